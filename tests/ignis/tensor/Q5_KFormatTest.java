package ignis.tensor;

class Q5_KFormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.Q5_K;
    }
}
