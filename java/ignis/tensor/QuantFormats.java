package ignis.tensor;

import ignis.IgnisException;

/** The registry of implemented formats: one stateless instance per supported type. */
final class QuantFormats {
    private static final QuantFormat F32 = new F32Format();
    private static final QuantFormat F16 = new F16Format();
    private static final QuantFormat BF16 = new BF16Format();
    private static final QuantFormat Q8_0 = new Q8_0Format();
    private static final QuantFormat Q8_1 = new Q8_1Format();
    private static final QuantFormat Q8_K = new Q8_KFormat();
    private static final QuantFormat Q4_0 = new Q4_0Format();
    private static final QuantFormat Q4_1 = new Q4_1Format();
    private static final QuantFormat Q5_0 = new Q5_0Format();
    private static final QuantFormat Q4_K = new Q4_KFormat();
    private static final QuantFormat Q5_K = new Q5_KFormat();
    private static final QuantFormat Q6_K = new Q6_KFormat();

    private QuantFormats() {
    }

    static QuantFormat of(GGMLType type) {
        if (type == null) {
            throw new IgnisException("tensor type is missing (null)");
        }
        return switch (type) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            case Q8_0 -> Q8_0;
            case Q8_1 -> Q8_1;
            case Q8_K -> Q8_K;
            case Q4_0 -> Q4_0;
            case Q4_1 -> Q4_1;
            case Q5_0 -> Q5_0;
            case Q4_K -> Q4_K;
            case Q5_K -> Q5_K;
            case Q6_K -> Q6_K;
            default -> throw new IgnisException("tensor type " + type + " is not supported");
        };
    }
}
