package ignis.tensor;

class Q6_KFormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.Q6_K;
    }
}
