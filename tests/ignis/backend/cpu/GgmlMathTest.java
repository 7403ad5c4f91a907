package ignis.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link GgmlMath#exp8}: the bits of the scalar {@link GgmlMath#exp} wherever it takes the fast path. */
class GgmlMathTest {
    @Test
    void exp8HasTheBitsOfExpOrDeclinesTheGroup() {
        SplittableRandom random = new SplittableRandom(31);
        float[] special = {0f, -0f, 1f, -1f, 88.5f, -87.3f, -103.9f, 126.9f * 0.6931f, Float.NaN, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f};
        float[] in = new float[8];
        float[] out = new float[8];
        int fast = 0;
        for (int trial = 0; trial < 20000; trial++) {
            for (int l = 0; l < 8; l++) {
                // mostly the range of softmax and silu arguments, sometimes past the fast path, sometimes special
                in[l] = trial % 50 == 0 ? special[random.nextInt(special.length)]
                        : (float) (random.nextGaussian() * (trial % 7 == 0 ? 60 : 8));
            }
            java.util.Arrays.fill(out, Float.NaN);
            if (GgmlMath.exp8(in, 0, out, 0)) {
                fast++;
                for (int l = 0; l < 8; l++) {
                    assertEquals(Float.floatToRawIntBits(GgmlMath.exp(in[l])), Float.floatToRawIntBits(out[l]), "exp(" + in[l] + ")");
                }
            } else {
                boolean slowLane = false;
                for (int l = 0; l < 8; l++) {
                    float n = Math.fma(in[l], 0x1.715476p+0f, 0x1.8p23f) - 0x1.8p23f;
                    slowLane |= Math.abs(n) > 126;
                }
                assertEquals(true, slowLane, "declined a group whose lanes all take the fast path");
            }
        }
        assertEquals(true, fast > 10000, "most groups take the vector path: " + fast);
        in[3] = -100f;
        assertFalse(GgmlMath.exp8(in, 0, out, 0), "exp(-100) needs the slow path (n = -144)");
    }
}
