package ignis.tensor;

class BF16FormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.BF16;
    }
}
