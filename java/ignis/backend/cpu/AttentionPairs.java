package ignis.backend.cpu;

import ignis.tensor.RowVectors;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Attention}'s batch-order weighted values of two tokens on 512-bit vectors: the two
 * tokens' probabilities side by side per 8 positions ({@link #interleave}), each component's 16
 * values loaded once and taken 8 at a time twice over, so one fused multiply-add advances both
 * tokens' 8-lane sums with the products, in the order, of the 256-bit kernel: the same bits.
 * (The q.k done the same way, reduced lane by lane out of 512-bit vectors, measured slower.)
 */
final class AttentionPairs {
    static final boolean ENABLED = RowVectors.WIDE;
    private static final VectorSpecies<Float> F16 = FloatVector.SPECIES_512;
    private static final int L = GgmlMath.LANES;
    private static final VectorShuffle<Float> LOW_TWICE = VectorShuffle.fromValues(F16,
            0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7);
    private static final VectorShuffle<Float> HIGH_TWICE = VectorShuffle.fromValues(F16,
            8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);

    private AttentionPairs() {
    }

    /** {@code a[0..n)} and {@code b[0..n)} ({@code n} a multiple of 8) into {@code pair}: per 8 values, a's then b's. */
    static void interleave(float[] a, float[] b, int n, float[] pair) {
        for (int i = 0; i < n; i += L) {
            FloatVector.fromArray(Attention.F8, a, i).intoArray(pair, 2 * i);
            FloatVector.fromArray(Attention.F8, b, i).intoArray(pair, 2 * i + L);
        }
    }

    /**
     * The weighted values of the four components whose transposed rows start at {@code row},
     * {@code row + stride}, ... over the first {@code n} positions rounded down to 16, for the
     * probabilities interleaved in {@code pairProbs}; the 8 lanes of component u into
     * {@code slots[16u..16u+8)} for the first query, {@code [16u+8..16u+16)} for the second.
     * Positions go 16 at a time, so the blocks must hold a multiple of 16. Returns the positions done.
     */
    static int weightedValues(float[] pairProbs, int n, float[] values, int row, int stride, int[] valueBase, float[] slots) {
        FloatVector c0 = FloatVector.zero(F16);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        int p = 0;
        for (; p + 2 * L <= n; p += 2 * L) {
            FloatVector low = FloatVector.fromArray(F16, pairProbs, 2 * p);
            FloatVector high = FloatVector.fromArray(F16, pairProbs, 2 * p + 2 * L);
            int v = row + valueBase[p / L];
            FloatVector v0 = FloatVector.fromArray(F16, values, v);
            FloatVector v1 = FloatVector.fromArray(F16, values, v + stride);
            FloatVector v2 = FloatVector.fromArray(F16, values, v + 2 * stride);
            FloatVector v3 = FloatVector.fromArray(F16, values, v + 3 * stride);
            c0 = low.fma(v0.rearrange(LOW_TWICE), c0);
            c1 = low.fma(v1.rearrange(LOW_TWICE), c1);
            c2 = low.fma(v2.rearrange(LOW_TWICE), c2);
            c3 = low.fma(v3.rearrange(LOW_TWICE), c3);
            c0 = high.fma(v0.rearrange(HIGH_TWICE), c0);
            c1 = high.fma(v1.rearrange(HIGH_TWICE), c1);
            c2 = high.fma(v2.rearrange(HIGH_TWICE), c2);
            c3 = high.fma(v3.rearrange(HIGH_TWICE), c3);
        }
        c0.intoArray(slots, 0);
        c1.intoArray(slots, 2 * L);
        c2.intoArray(slots, 4 * L);
        c3.intoArray(slots, 6 * L);
        return p;
    }
}
