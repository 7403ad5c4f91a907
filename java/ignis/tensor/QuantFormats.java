package ignis.tensor;

import ignis.IgnisException;

/** The registry of implemented formats: one stateless instance per supported type. */
final class QuantFormats {
    private static final QuantFormat F32 = new F32Format();
    private static final QuantFormat F16 = new F16Format();
    private static final QuantFormat Q8_0 = new Q8_0Format();

    private QuantFormats() {
    }

    static QuantFormat of(GGMLType type) {
        if (type == null) {
            throw new IgnisException("tensor type is missing (null)");
        }
        return switch (type) {
            case F32 -> F32;
            case F16 -> F16;
            case Q8_0 -> Q8_0;
            default -> throw new IgnisException("tensor type " + type + " is not supported");
        };
    }
}
