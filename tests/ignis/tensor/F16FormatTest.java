package ignis.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.IntVector;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class F16FormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.F16;
    }

    @Test
    void knownHalfBitPatternsDecodeToTheirIeeeValues() {
        short[] bits = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x0400, (short) 0x8000, 0x7C00, (short) 0xFC00, 0x3555};
        float[] expected = {1f, -2f, 65504f, 0x1p-24f, 0x1p-14f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                (float) ((1 + 0x155 / 1024.0) * 0.25)};
        float[] out = FormatTestSupport.nans(bits.length);
        format().dequantize(MemorySegment.ofArray(bits), 0, out, 0, bits.length);
        assertArrayEquals(expected, out);
    }

    @Test
    void encodingRoundsToNearestEven() {
        // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties go to the even significand (1.0);
        // 1 + 3*2^-11 lies halfway between 1 + 2^-10 and 1 + 2^-9: ties go to 1 + 2^-9.
        float[] x = {1 + 0x1p-11f, 1 + 3 * 0x1p-11f, 1 + 0x1p-11f + 0x1p-20f};
        MemorySegment s = FormatTestSupport.garbage(6, 1, false);
        format().quantize(x, 0, s, 0, 3);
        assertEquals(0x3C00, s.get(FormatTestSupport.SHORT, 0));
        assertEquals(0x3C02, s.get(FormatTestSupport.SHORT, 2));
        assertEquals(0x3C01, s.get(FormatTestSupport.SHORT, 4));
    }

    @Test
    void everyHalfValueDecodesLikeTheJdk() {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        float[] out = FormatTestSupport.nans(all.length);
        format().dequantize(MemorySegment.ofArray(all), 0, out, 0, all.length);
        for (int i = 0; i < all.length; i++) {
            assertEquals(Float.floatToRawIntBits(Float.float16ToFloat(all[i])), Float.floatToRawIntBits(out[i]), "bits " + i);
        }
    }

    @Test
    void vectorHalfConversionIsBitExactForEveryHalf() {
        int[] lanes = new int[8];
        for (int base = 0; base < 65536; base += 8) {
            for (int i = 0; i < 8; i++) {
                lanes[i] = (short) (base + i); // sign-extended, as the kernel widens them
            }
            float[] got = F16Format.halfToFloat(IntVector.fromArray(IntVector.SPECIES_256, lanes, 0)).toArray();
            for (int i = 0; i < 8; i++) {
                float expected = Float.float16ToFloat((short) (base + i));
                if (Float.isNaN(expected)) {
                    assertTrue(Float.isNaN(got[i]), "half bits " + (base + i)); // payload and quiet bit may differ
                } else {
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got[i]), "half bits " + (base + i));
                }
            }
        }
    }

    @Test
    void widenedOnLoadEveryFiniteHalfKeepsItsBitsAndNoOtherLooksFinite() {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        MemorySegment s = MemorySegment.ofArray(all);
        for (int base = 0; base < all.length; base += 8) {
            float[] got = VectorKernels.finiteHalves(VectorKernels.halves(s, 2L * base)).toArray();
            for (int i = 0; i < 8; i++) {
                float expected = Float.float16ToFloat(all[base + i]);
                if (Float.isFinite(expected)) {
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got[i]), "half bits " + (base + i));
                } else {
                    assertTrue(Math.abs(got[i]) > 65504f, "half bits " + (base + i) + " gave " + got[i]);
                }
            }
        }
    }

    /**
     * Lone tokens (decode) widen the weights as they load them, one token or two at a time: rows
     * of every finite half (zeros, subnormals, the largest), and rows with an infinity or a NaN,
     * which take the exact dot instead, all have the bits of matrixDot.
     */
    @Test
    void loneTokensOverEveryKindOfHalfHaveTheBitsOfMatrixDot() {
        for (int tokens = 1; tokens <= 3; tokens++) {
            checkEveryKindOfHalf(tokens);
        }
    }

    private void checkEveryKindOfHalf(int tokens) {
        int n = 269; // a tail past the last 32 values
        int finiteRows = 65536 / n + 1;
        int rows = finiteRows + 3;
        long rowBytes = GGMLType.F16.bytesFor(n);
        MemorySegment w = MemorySegment.ofArray(new short[rows * n]);
        int next = 0;
        for (int i = 0; i < finiteRows * n; i++) {
            // every half but the infinities and NaNs, in turn
            while (!Float.isFinite(Float.float16ToFloat((short) next))) {
                next = (next + 1) & 0xFFFF;
            }
            w.set(FormatTestSupport.SHORT, 2L * i, (short) next);
            next = (next + 1) & 0xFFFF;
        }
        SplittableRandom random = new SplittableRandom(17);
        short[] special = {0x7C00, (short) 0xFC00, 0x7E01};
        for (int k = 0; k < special.length; k++) {
            long row = (finiteRows + k) * rowBytes;
            for (int i = 0; i < n; i++) {
                w.set(FormatTestSupport.SHORT, row + 2L * i, Float.floatToFloat16((float) random.nextDouble(-1, 1)));
            }
            w.set(FormatTestSupport.SHORT, row + 2L * (37 * k + 5), special[k]);
        }
        MemorySegment a = FormatTestSupport.quantizedRows(random, GGMLType.F16, tokens, n);
        MatrixInput x = new MatrixInput(GGMLType.F16);
        x.set(a, rowBytes, n, tokens);
        x.setSumOrder(new boolean[tokens]);
        x.prepareFor(GGMLType.F16);
        float[] out = FormatTestSupport.nans(rows * tokens);
        format().multiplyRows(w, rowBytes, 0, rows, x, out, 0, rows);
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                float expected = format().matrixDot(w, r * rowBytes, a, t * rowBytes, n, 1);
                float got = out[t * rows + r];
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(got),
                        tokens + " tokens, token " + t + " row " + r + ": " + got + " vs " + expected);
            }
        }
        assertTrue(Float.isInfinite(out[finiteRows]) && Float.isInfinite(out[finiteRows + 1]) && Float.isNaN(out[finiteRows + 2]),
                "the rows with an infinity or NaN sum to one: " + out[finiteRows] + ", " + out[finiteRows + 1] + ", " + out[finiteRows + 2]);
    }
}
