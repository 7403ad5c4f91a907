package ignis.tensor;

class Q4_KFormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.Q4_K;
    }
}
