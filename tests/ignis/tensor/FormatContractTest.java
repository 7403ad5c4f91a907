package ignis.tensor;

import static ignis.tensor.FormatTestSupport.absDot64;
import static ignis.tensor.FormatTestSupport.dequantize;
import static ignis.tensor.FormatTestSupport.dot64;
import static ignis.tensor.FormatTestSupport.garbage;
import static ignis.tensor.FormatTestSupport.nans;
import static ignis.tensor.FormatTestSupport.norm;
import static ignis.tensor.FormatTestSupport.quantize;
import static ignis.tensor.FormatTestSupport.randomRow;
import static ignis.tensor.FormatTestSupport.relativeRms;
import static ignis.tensor.FormatTestSupport.roundTripBound;
import static ignis.tensor.FormatTestSupport.typicalRoundTripError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/**
 * The behaviour every format shares, checked on seeded random rows of several lengths: round-trip
 * error, writes confined to the requested range, dot against float64 references, argument errors.
 * Each format's own test adds the checks that pin its block layout.
 */
abstract class FormatContractTest {

    abstract GGMLType type();

    QuantFormat format() {
        return QuantFormat.of(type());
    }

    /** Activation-only formats (Q8_1, Q8_K) have no dot product. */
    boolean hasDot() {
        return true;
    }

    /** Row lengths under test: one block, two blocks, several blocks, a model-sized row. */
    int[] lengths() {
        int b = type().blockSize;
        return b == 1 ? new int[] {1, 3, 64, 1000, 4096} : new int[] {b, 2 * b, 5 * b, Math.max(4096, 8 * b)};
    }

    @Test
    void registryReturnsThisFormat() {
        assertEquals(type(), format().type());
    }

    @Test
    void quantizeThenDequantizeStaysWithinTheStatedError() {
        double worst = 0;
        double longRowsTotal = 0;
        int longRows = 0;
        int[] lengths = lengths();
        for (int n : lengths) {
            for (int seed = 0; seed < 4; seed++) {
                float[] x = randomRow(1000L * n + seed, n);
                long offset = seed % 2 == 0 ? 0 : 3;
                MemorySegment q = quantize(type(), x, offset, seed % 2 == 1);
                float[] y = dequantize(type(), q, offset, n);
                double err = relativeRms(x, y);
                worst = Math.max(worst, err);
                assertTrue(err <= roundTripBound(type()),
                        type() + " n=" + n + " seed=" + seed + ": relative RMS error " + err + " > " + roundTripBound(type()));
                if (n == lengths[lengths.length - 1]) {
                    longRowsTotal += err;
                    longRows++;
                }
            }
        }
        double typical = longRowsTotal / longRows;
        System.out.println(type() + " round-trip relative RMS error: worst " + worst + ", typical " + typical);
        assertTrue(typical <= typicalRoundTripError(type()),
                type() + ": mean relative RMS error " + typical + " on long rows > " + typicalRoundTripError(type()));
    }

    @Test
    void dequantizeWritesExactlyTheRequestedValues() {
        int n = lengths()[1];
        MemorySegment q = quantize(type(), randomRow(7, n), 5, false);
        float[] out = nans(n + 10);
        format().dequantize(q, 5, out, 4, n);
        for (int i = 0; i < out.length; i++) {
            boolean inside = i >= 4 && i < 4 + n;
            assertEquals(inside, Float.isFinite(out[i]), type() + ": value " + i + " = " + out[i]);
        }
    }

    @Test
    void quantizeOverwritesTheWholeRowAndNothingElse() {
        int n = lengths()[1];
        float[] x = randomRow(11, n);
        long rowBytes = type().bytesFor(n);
        MemorySegment first = garbage(rowBytes + 16, 1, false);
        MemorySegment second = garbage(rowBytes + 16, 2, true);
        MemorySegment firstBefore = garbage(rowBytes + 16, 1, true);
        MemorySegment secondBefore = garbage(rowBytes + 16, 2, true);
        format().quantize(x, 0, first, 8, n);
        format().quantize(x, 0, second, 8, n);
        for (long i = 0; i < rowBytes + 16; i++) {
            byte a = first.get(ValueLayout.JAVA_BYTE, i);
            byte b = second.get(ValueLayout.JAVA_BYTE, i);
            if (i >= 8 && i < 8 + rowBytes) {
                assertEquals(a, b, type() + ": row byte " + (i - 8) + " depends on the previous contents");
            } else {
                assertEquals(firstBefore.get(ValueLayout.JAVA_BYTE, i), a, type() + ": byte " + i + " outside the row was written");
                assertEquals(secondBefore.get(ValueLayout.JAVA_BYTE, i), b, type() + ": byte " + i + " outside the row was written");
            }
        }
    }

    @Test
    void dotEqualsFloat64DotOfTheDequantizedRows() {
        if (!hasDot()) {
            return;
        }
        GGMLType act = format().activationType();
        for (int n : lengths()) {
            for (int seed = 0; seed < 3; seed++) {
                float[] w = randomRow(5000L * n + seed, n);
                float[] x = randomRow(7000L * n + seed, n);
                MemorySegment wq = quantize(type(), w, 0, seed == 1);
                MemorySegment aq = quantize(act, x, 0, seed == 2);
                float[] wd = dequantize(type(), wq, 0, n);
                float[] ad = dequantize(act, aq, 0, n);
                double expected = dot64(wd, ad);
                float got = format().dot(wq, 0, aq, 0, n);
                // float rounding of the block scales and of the accumulation; the max|w| factor
                // covers the min terms of Q4_1 and the K-quants, which cancel against the scaled sums.
                double tolerance = 1e-5 * maxAbs(wd) * sumAbs(ad) + 1e-6 * absDot64(wd, ad) + formatTolerance(wq, ad);
                assertEquals(expected, got, tolerance, type() + " n=" + n + " seed=" + seed);
            }
        }
    }

    @Test
    void dotApproximatesTheExactDotOfTheInputs() {
        if (!hasDot()) {
            return;
        }
        GGMLType act = format().activationType();
        for (int n : lengths()) {
            float[] w = randomRow(9000L * n, n);
            float[] x = randomRow(9100L * n, n);
            float got = format().dot(quantize(type(), w, 0, false), 0, quantize(act, x, 0, true), 0, n);
            // Cauchy-Schwarz with the stated relative RMS errors of the two roundings.
            double bw = roundTripBound(type());
            double ba = roundTripBound(act);
            double bound = (bw * (1 + ba) + ba) * norm(w) * norm(x) + 1e-5 * absDot64(w, x);
            assertEquals(dot64(w, x), got, bound, type() + " n=" + n);
        }
    }

    @Test
    void dotGivesTheSameResultOnHeapAndNativeSegmentsAtAnyOffset() {
        if (!hasDot()) {
            return;
        }
        GGMLType act = format().activationType();
        int n = lengths()[2];
        float[] w = randomRow(31, n);
        float[] x = randomRow(32, n);
        float heap = format().dot(quantize(type(), w, 0, true), 0, quantize(act, x, 0, true), 0, n);
        float nativeOdd = format().dot(quantize(type(), w, 13, false), 13, quantize(act, x, 7, false), 7, n);
        assertEquals(heap, nativeOdd, type() + ": heap vs native at odd offsets");
    }

    @Test
    void activationOnlyFormatsRejectDot() {
        if (hasDot()) {
            return;
        }
        int n = type().blockSize;
        MemorySegment q = quantize(type(), randomRow(3, n), 0, false);
        IgnisException e = assertThrows(IgnisException.class, () -> format().dot(q, 0, q, 0, n));
        assertTrue(e.getMessage().contains(type().name()), e.getMessage());
    }

    @Test
    void rowLengthThatIsNotWholeBlocksIsRejected() {
        int n = type().blockSize == 1 ? -1 : type().blockSize + 1;
        MemorySegment q = garbage(4L * type().blockBytes, 1, false);
        IgnisException e = assertThrows(IgnisException.class, () -> format().dequantize(q, 0, new float[1024], 0, n));
        assertTrue(e.getMessage().contains(type().name()) && e.getMessage().contains(String.valueOf(n)), e.getMessage());
    }

    @Test
    void rowBeyondTheSegmentIsRejected() {
        int n = 2 * type().blockSize;
        MemorySegment oneBlock = garbage(type().blockBytes, 1, false);
        IgnisException e = assertThrows(IgnisException.class, () -> format().dequantize(oneBlock, 0, new float[n], 0, n));
        assertTrue(e.getMessage().contains(type().name()), e.getMessage());
        IgnisException q = assertThrows(IgnisException.class, () -> format().quantize(new float[n], 0, oneBlock, 0, n));
        assertTrue(q.getMessage().contains(type().name()), q.getMessage());
        IgnisException a = assertThrows(IgnisException.class, () -> format().dequantize(garbage(4L * n * 4, 1, false), 0, new float[n], 1, n));
        assertFalse(a.getMessage().isEmpty());
    }

    /** Extra tolerance of {@link #dotEqualsFloat64DotOfTheDequantizedRows} owed to the format's design. */
    double formatTolerance(MemorySegment weights, float[] dequantizedActivation) {
        return 0;
    }

    static double maxAbs(float[] x) {
        double m = 0;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static double sumAbs(float[] x) {
        double s = 0;
        for (float v : x) {
            s += Math.abs(v);
        }
        return s;
    }
}
