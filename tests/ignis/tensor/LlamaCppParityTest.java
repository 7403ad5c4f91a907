package ignis.tensor;

import static ignis.tensor.FormatTestSupport.randomRow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Differential test against llama.cpp itself: the ggml of the peer's native library (an x86-64
 * AVX2 build). Activation conversion, weight quantization, dequantization and dot products must
 * reproduce it bit for bit, because the engine must reproduce llama.cpp's greedy tokens.
 * Skips, with the reason, where that library cannot run.
 */
class LlamaCppParityTest {
    private static final GGMLType[] WEIGHTS = {
        GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_1,
        GGMLType.Q5_0, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K,
    };
    private static GgmlPeer ggml;

    @BeforeAll
    static void loadPeer() {
        ggml = GgmlPeer.require();
    }

    /** Row lengths: several blocks; for the float formats also a length with a tail of 16 values. */
    private static int[] lengths(GGMLType type) {
        return type.blockSize == 1 ? new int[] {32, 4096, 4112} : new int[] {256, 4096};
    }

    /** Activation-like rows: Gaussian with outliers, and values on rounding ties. */
    private static float[] row(long seed, int n) {
        float[] x = randomRow(seed, n);
        Random random = new Random(seed);
        for (int i = 0; i < n; i += 7) {
            x[i] = random.nextInt(255) - 127 + 0.5f; // halfway cases for the 8-bit quantizers
        }
        return x;
    }

    @Test
    void vecDotTypesAreOurActivationTypes() throws Throwable {
        for (GGMLType type : WEIGHTS) {
            assertEquals(ggml.vecDotType(type), QuantFormat.of(type).activationType(), type.toString());
        }
    }

    @Test
    void activationConversionIsIdentical() throws Throwable {
        for (GGMLType type : new GGMLType[] {GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q8_1, GGMLType.Q8_K}) {
            for (int n : new int[] {256, 4096}) {
                for (int seed = 0; seed < 4; seed++) {
                    float[] x = row(seed * 1000L + n, n);
                    MemorySegment theirs = ggml.fromFloat(type, x);
                    MemorySegment ours = FormatTestSupport.quantize(type, x, 0, seed % 2 == 0);
                    assertEquals(-1, theirs.mismatch(ours), type + " n=" + n + " seed=" + seed + ": first differing byte");
                }
            }
        }
    }

    @Test
    void weightQuantizationIsIdenticalToGgmlReference() throws Throwable {
        for (GGMLType type : new GGMLType[] {GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K}) {
            for (int n : new int[] {256, 4096}) {
                for (int seed = 0; seed < 3; seed++) {
                    float[] x = randomRow(seed * 77L + n, n);
                    MemorySegment theirs = ggml.fromFloatReference(type, x);
                    MemorySegment ours = FormatTestSupport.quantize(type, x, 0, false);
                    assertEquals(-1, theirs.mismatch(ours), type + " n=" + n + " seed=" + seed + ": first differing byte");
                }
            }
        }
    }

    @Test
    void dequantizationIsIdentical() throws Throwable {
        GGMLType[] types = {
            GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0,
            GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K, // ggml's traits have no to_float for Q8_K
        };
        for (GGMLType type : types) {
            int n = 1024;
            MemorySegment q = FormatTestSupport.quantize(type, randomRow(type.id, n), 0, false);
            float[] theirs = ggml.toFloat(type, q, n);
            float[] ours = FormatTestSupport.dequantize(type, q, 0, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(theirs[i]), Float.floatToRawIntBits(ours[i]), type + " value " + i);
            }
        }
    }

    @Test
    void dotProductsAreIdentical() throws Throwable {
        for (GGMLType type : WEIGHTS) {
            GGMLType act = QuantFormat.of(type).activationType();
            for (int n : lengths(type)) {
                for (int seed = 0; seed < 4; seed++) {
                    float[] w = randomRow(seed * 31L + n, n);
                    MemorySegment wq = FormatTestSupport.quantize(type, w, 0, false);
                    MemorySegment aq = ggml.fromFloat(act, row(seed * 37L + n, n));
                    float theirs = ggml.vecDot(type, wq, aq, n);
                    float ours = QuantFormat.of(type).dot(wq, 0, aq, 0, n);
                    assertEquals(Float.floatToRawIntBits(theirs), Float.floatToRawIntBits(ours),
                            type + " n=" + n + " seed=" + seed + ": ggml " + theirs + ", ours " + ours);
                }
            }
        }
    }
}
