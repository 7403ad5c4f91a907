package ignis.tensor;

/** bfloat16 conversions as ggml performs them (ggml_compute_fp32_to_bf16 / bf16_to_fp32). */
final class BFloat16 {
    private BFloat16() {
    }

    static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Rounds to nearest even; NaNs stay NaN, forced quiet. */
    static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 64);
        }
        return (short) ((bits + (0x7FFF + ((bits >>> 16) & 1))) >>> 16);
    }
}
