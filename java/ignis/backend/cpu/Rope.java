package ignis.backend.cpu;

/**
 * Rotary position embedding, "normal" mode (adjacent pairs rotate together), as ggml's rope_ext
 * computes it for llama: angles built by repeated float multiplication by base^(-2/d) (powf, cosf
 * and sinf from the C library, as ggml), divided by the Llama 3 frequency factors when the model
 * has them.
 */
public final class Rope {
    private final int half;
    private final float thetaScale;
    private final float[] freqFactors;

    Rope(int headDim, float base, float[] freqFactors) {
        this.half = headDim / 2;
        this.thetaScale = thetaScale(headDim, base);
        this.freqFactors = freqFactors;
    }

    /** base^(-2/headDim), the ratio of consecutive pairs' angles, rounded as ggml's powf. */
    public static float thetaScale(int headDim, float base) {
        return LibM.pow(base, -2.0f / headDim);
    }

    /** Fills {@code cos}/{@code sin} at {@code offset} with the {@code headDim/2} rotations of {@code position}. */
    void angles(int position, float[] cos, float[] sin, int offset) {
        float theta = position;
        for (int i = 0; i < half; i++) {
            float t = freqFactors == null ? theta : theta / freqFactors[i];
            cos[offset + i] = LibM.cos(t);
            sin[offset + i] = LibM.sin(t);
            theta *= thetaScale;
        }
    }

    /** Rotates {@code heads} consecutive heads of {@code 2*half} floats at {@code x[offset]}. */
    void rotate(float[] x, int offset, int heads, float[] cos, float[] sin, int angleOffset) {
        for (int h = 0; h < heads; h++) {
            int base = offset + h * 2 * half;
            for (int i = 0; i < half; i++) {
                float x0 = x[base + 2 * i];
                float x1 = x[base + 2 * i + 1];
                float c = cos[angleOffset + i];
                float s = sin[angleOffset + i];
                // llama.cpp's build contracts these into fused multiply-adds; the same rounding needs the same FMAs.
                x[base + 2 * i] = Math.fma(x0, c, -(x1 * s));
                x[base + 2 * i + 1] = Math.fma(x0, s, x1 * c);
            }
        }
    }
}
