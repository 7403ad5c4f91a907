package ignis.tensor;

import static ignis.tensor.FormatTestSupport.halfAt;
import static ignis.tensor.FormatTestSupport.s8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.Test;

class Q8_0FormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.Q8_0;
    }

    /**
     * The vector quantizer (activations, every token) gives the scalar one's bytes and sums:
     * random blocks, blocks whose values land exactly halfway between quants (round half to
     * even), all zeros, and blocks with an infinity or NaN (which take the scalar path).
     */
    @Test
    void vectorQuantsEqualScalarQuants() {
        Random random = new Random(31);
        Arena arena = Arena.ofAuto();
        for (int trial = 0; trial < 400; trial++) {
            float[] x = new float[32];
            for (int j = 0; j < 32; j++) {
                x[j] = switch (trial % 4) {
                    case 0 -> (float) random.nextGaussian() * (1 + random.nextInt(1000));
                    case 1 -> (random.nextInt(254) - 127) / 2f; // amax 63.5 or so: halves once scaled
                    case 2 -> 0f;
                    default -> (float) random.nextGaussian();
                };
            }
            x[random.nextInt(32)] = trial % 4 == 1 ? 63.5f : x[0];
            if (trial % 4 == 3 && trial % 8 == 3) {
                x[random.nextInt(32)] = trial % 16 == 3 ? Float.NaN : Float.NEGATIVE_INFINITY;
            }
            float amax = Q8_0Format.absMax(x, 0, 32);
            assertEquals(Float.floatToIntBits(Q8_0Format.absMaxScalar(x, 0, 32)), Float.floatToIntBits(amax), "amax of trial " + trial);
            MemorySegment vector = arena.allocate(32);
            MemorySegment scalar = arena.allocate(32);
            int sum = Q8_0Format.putQuants(x, 0, amax, vector, 0);
            assertEquals(Q8_0Format.putQuantsScalar(x, 0, amax, scalar, 0), sum, "sum of trial " + trial);
            assertArrayEquals(scalar.toArray(ValueLayout.JAVA_BYTE), vector.toArray(ValueLayout.JAVA_BYTE), "quants of trial " + trial);
        }
    }

    @Test
    void knownBlockDecodes() {
        byte[] block = new byte[34];
        block[0] = 0x00;
        block[1] = 0x38; // fp16 0x3800 = 0.5
        block[2] = 1;
        block[3] = -1;
        block[4] = 127;
        block[5] = -128;
        block[33] = 6;
        float[] out = FormatTestSupport.nans(32);
        format().dequantize(MemorySegment.ofArray(block), 0, out, 0, 32);
        float[] expected = new float[32];
        expected[0] = 0.5f;
        expected[1] = -0.5f;
        expected[2] = 63.5f;
        expected[3] = -64f;
        expected[31] = 3f;
        assertArrayEquals(expected, out);
    }

    @Test
    void randomBlocksDecodeAsScaleTimesQuant() {
        int blocks = 7;
        MemorySegment s = FormatTestSupport.garbage(blocks * 34L, 42, false);
        Random random = new Random(5);
        for (int b = 0; b < blocks; b++) {
            s.set(FormatTestSupport.SHORT, b * 34L, FormatTestSupport.half(random.nextGaussian()));
        }
        float[] out = FormatTestSupport.dequantize(type(), s, 0, blocks * 32);
        for (int i = 0; i < blocks * 32; i++) {
            int b = i / 32;
            double expected = (double) halfAt(s, b * 34L) * s8(s, b * 34L + 2 + i % 32);
            assertEquals(expected, out[i], 0, "value " + i);
        }
    }

    @Test
    void quantizesWithRoundHalfToEvenLikeTheAvxBuild() {
        // amax = 127 makes the multiplier 127/amax exactly 1, so quants are the rounded inputs.
        float[] x = new float[32];
        float[] given = {127f, 2.5f, 3.5f, -2.5f, 0.5f, -0.5f, 1.5f, 126.5f, -126.5f, 0.49f};
        int[] expected = {127, 2, 4, -2, 0, 0, 2, 126, -126, 0};
        System.arraycopy(given, 0, x, 0, given.length);
        MemorySegment q = FormatTestSupport.quantize(type(), x, 0, false);
        assertEquals(1.0f, halfAt(q, 0));
        for (int j = 0; j < given.length; j++) {
            assertEquals(expected[j], s8(q, 2 + j), "quant of " + given[j]);
        }
    }

    @Test
    void quantsAreRoundedProductsWithTheMultiplier127OverAmax() {
        // llama.cpp's AVX path multiplies by 127/amax (not by 1/d with d = amax/127 as the
        // reference does); find inputs where the two disagree and check we follow the AVX path.
        int disagreements = 0;
        Random random = new Random(9);
        float[] x = new float[32];
        for (int trial = 0; trial < 3000; trial++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                x[j] = (float) (random.nextGaussian() * 3);
                amax = Math.max(amax, Math.abs(x[j]));
            }
            MemorySegment q = FormatTestSupport.quantize(type(), x, 0, trial % 2 == 0);
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(amax / 127f)), halfAt(q, 0));
            float avxMultiplier = 127f / amax;
            float referenceMultiplier = 1f / (amax / 127f);
            for (int j = 0; j < 32; j++) {
                int expected = (int) Math.rint(x[j] * avxMultiplier);
                int reference = Math.round(Math.abs(x[j] * referenceMultiplier)) * (x[j] < 0 ? -1 : 1);
                if (expected != reference) {
                    disagreements++;
                }
                assertEquals(expected, s8(q, 2 + j), "trial " + trial + " value " + x[j]);
            }
        }
        assertTrue(disagreements > 0, "the sample never separates the AVX and reference quantizers");
    }

    @Test
    void dotIsExactAtTheQuantExtremes() {
        // quants of -128 and 127 only, scales 1: every product pair may reach 2 * 16384, past a
        // short, and the exact sum (below 2^24) is what the float result must be
        int blocks = 4;
        Random random = new Random(11);
        MemorySegment w = FormatTestSupport.garbage(blocks * 34L, 12, false);
        MemorySegment a = FormatTestSupport.garbage(blocks * 34L, 13, true);
        long expected = 0;
        for (int b = 0; b < blocks; b++) {
            w.set(FormatTestSupport.SHORT, b * 34L, FormatTestSupport.half(1));
            a.set(FormatTestSupport.SHORT, b * 34L, FormatTestSupport.half(1));
            for (int j = 0; j < 32; j++) {
                // the first block all -128: the largest product sums
                byte wq = b == 0 || random.nextInt(4) > 0 ? (byte) -128 : 127;
                byte aq = b == 0 || random.nextInt(4) > 0 ? (byte) -128 : 127;
                w.set(ValueLayout.JAVA_BYTE, b * 34L + 2 + j, wq);
                a.set(ValueLayout.JAVA_BYTE, b * 34L + 2 + j, aq);
                expected += (long) wq * aq;
            }
        }
        assertEquals((double) expected, format().dot(w, 0, a, 0, blocks * 32), 0);
        assertEquals((double) 32 * 16384, format().dot(w, 0, a, 0, 32), 0);
    }
}
