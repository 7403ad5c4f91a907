package ignis.tensor;

class Q8_KFormatTest extends FormatContractTest {

    @Override
    boolean hasDot() {
        return false;
    }

    @Override
    GGMLType type() {
        return GGMLType.Q8_K;
    }
}
