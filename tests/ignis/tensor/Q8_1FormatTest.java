package ignis.tensor;

class Q8_1FormatTest extends FormatContractTest {

    @Override
    boolean hasDot() {
        return false;
    }

    @Override
    GGMLType type() {
        return GGMLType.Q8_1;
    }
}
