package ignis.backend.cpu;

/** Rounding through IEEE half precision (round to nearest even, as the F16C instructions ggml uses). */
final class Fp16 {
    private Fp16() {
    }

    static float round(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }
}
