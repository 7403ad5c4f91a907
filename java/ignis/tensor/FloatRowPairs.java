package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * {@link FloatRows}' batch-order (tinyBLAS) tiles on 512-bit vectors: two rows side by side in
 * one vector, 8 values of each ({@link #repackPairs}), against a token's same 8 values twice
 * ({@link MatrixInput#floatsTwice}, made once per input), so one fused multiply-add advances the 8 lanes of two outputs, each lane
 * taking the products and order of {@link GgmlOrder#tinyBlasDot}; the same bits as the 256-bit
 * tile at twice the width. {@link #PAIRS} row pairs by {@link FloatRows#TILE} tokens per pass.
 */
final class FloatRowPairs {
    static final boolean ENABLED = RowVectors.WIDE;
    private static final VectorSpecies<Float> WIDE = FloatVector.SPECIES_512;
    /** Row pairs per pass: 4 x 3 accumulators, 3 token vectors and a weight vector. */
    static final int PAIRS = 4;
    private static final int TOKENS = FloatRows.TILE;
    /** Doubled token values per chunk of tokens: with a group's pairs, within L2. */
    private static final long CHUNK_BYTES = 256 << 10;

    /** Per thread: a group's rows in pairs and a pass's lanes. */
    private static final class Scratch {
        float[] pairs = new float[0];
        final float[] lanes = new float[16 * PAIRS * TOKENS];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private FloatRowPairs() {
    }

    /** The 8-value chunks of a row that the tiles take (any tail of n % 8 is added after). */
    private static int chunks(MatrixInput x) {
        return x.length() / 8;
    }

    /**
     * The {@code count} rows at {@code first}, {@code stride} bytes apart, times the
     * {@code batched} tokens of {@code tokens} (values from {@link MatrixInput#floatsTwice}), into
     * {@code out[at + t * outStride + row]}; a short pass repeats its last pair or token, whose
     * outputs are then not written.
     */
    static void multiply(MemorySegment rows, long first, long stride, int count, MatrixInput x, int[] tokens, int batched,
                         float[] out, int at, int outStride) {
        if (batched == 0) {
            return;
        }
        Scratch s = SCRATCH.get();
        int chunks = chunks(x);
        repackPairs(rows, first, stride, count, chunks, s);
        // tokens in chunks whose doubled values stay in L2 while every pair of the group takes them
        int chunkTokens = (int) Math.max(1, CHUNK_BYTES / (64L * Math.max(1, chunks)) / TOKENS) * TOKENS;
        for (int k0 = 0; k0 < batched; k0 += chunkTokens) {
            multiplyChunk(rows, first, stride, count, x, tokens, k0, Math.min(k0 + chunkTokens, batched), batched, out, at, outStride, s);
        }
    }

    /** {@link #multiply} of the prepared tokens {@code [from, to)} of {@code batched}. */
    private static void multiplyChunk(MemorySegment rows, long first, long stride, int count, MatrixInput x, int[] tokens,
                                      int from, int to, int batched, float[] out, int at, int outStride, Scratch s) {
        int chunks = chunks(x);
        int pairs = (count + 1) / 2;
        for (int p0 = 0; p0 < pairs; p0 += PAIRS) {
            for (int k = from; k < to; k += TOKENS) {
                passLanes(s.pairs, p0, pairs, x.floatsTwice, tokens, k, batched, chunks, s.lanes);
                for (int i = 0; i < PAIRS && p0 + i < pairs; i++) {
                    for (int half = 0; half < 2 && 2 * (p0 + i) + half < count; half++) {
                        int row = 2 * (p0 + i) + half;
                        for (int u = 0; u < TOKENS && k + u < to; u++) {
                            int t = tokens[k + u];
                            out[at + t * outStride + row] = FloatRows.batchSum(s.lanes, 16 * (TOKENS * i + u) + 8 * half,
                                    rows, first + row * stride, x, t);
                        }
                    }
                }
            }
        }
    }

    /** Pair p (rows 2p and 2p + 1, the last row with itself for an odd count), chunk c at {@code (p * chunks + c) * 16}. */
    private static void repackPairs(MemorySegment rows, long first, long stride, int count, int chunks, Scratch s) {
        int pairs = (count + 1) / 2;
        if (s.pairs.length < pairs * chunks * 16) {
            s.pairs = new float[pairs * chunks * 16];
        }
        for (int p = 0; p < pairs; p++) {
            long r0 = first + 2L * p * stride;
            long r1 = first + Math.min(2 * p + 1, count - 1) * stride;
            for (int c = 0; c < chunks; c++) {
                int at = (p * chunks + c) * 16;
                FloatVector.fromMemorySegment(VectorKernels.FLOAT_256, rows, r0 + 32L * c, LittleEndian.ORDER).intoArray(s.pairs, at);
                FloatVector.fromMemorySegment(VectorKernels.FLOAT_256, rows, r1 + 32L * c, LittleEndian.ORDER).intoArray(s.pairs, at + 8);
            }
        }
    }

    /**
     * The accumulators of pairs {@code p0..p0+3} (the last of {@code pairs} standing in past it)
     * and tokens {@code tokens[k..k+2]} (likewise), their doubled values in {@code a}, into
     * {@code lanes[16 * (3 * pair + token)]}.
     */
    private static void passLanes(float[] w, int p0, int pairs, float[] a, int[] tokens, int k, int batched, int chunks,
                                  float[] lanes) {
        int span = chunks * 16;
        int w0 = p0 * span;
        int w1 = Math.min(p0 + 1, pairs - 1) * span;
        int w2 = Math.min(p0 + 2, pairs - 1) * span;
        int w3 = Math.min(p0 + 3, pairs - 1) * span;
        int a0 = tokens[k] * span;
        int a1 = tokens[Math.min(k + 1, batched - 1)] * span;
        int a2 = tokens[Math.min(k + 2, batched - 1)] * span;
        FloatVector c00 = FloatVector.zero(WIDE);
        FloatVector c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        for (int o = 0; o < span; o += 16) {
            FloatVector x0 = FloatVector.fromArray(WIDE, a, a0 + o);
            FloatVector x1 = FloatVector.fromArray(WIDE, a, a1 + o);
            FloatVector x2 = FloatVector.fromArray(WIDE, a, a2 + o);
            FloatVector v = FloatVector.fromArray(WIDE, w, w0 + o);
            c00 = v.fma(x0, c00);
            c01 = v.fma(x1, c01);
            c02 = v.fma(x2, c02);
            v = FloatVector.fromArray(WIDE, w, w1 + o);
            c10 = v.fma(x0, c10);
            c11 = v.fma(x1, c11);
            c12 = v.fma(x2, c12);
            v = FloatVector.fromArray(WIDE, w, w2 + o);
            c20 = v.fma(x0, c20);
            c21 = v.fma(x1, c21);
            c22 = v.fma(x2, c22);
            v = FloatVector.fromArray(WIDE, w, w3 + o);
            c30 = v.fma(x0, c30);
            c31 = v.fma(x1, c31);
            c32 = v.fma(x2, c32);
        }
        c00.intoArray(lanes, 0);
        c01.intoArray(lanes, 16);
        c02.intoArray(lanes, 32);
        c10.intoArray(lanes, 48);
        c11.intoArray(lanes, 64);
        c12.intoArray(lanes, 80);
        c20.intoArray(lanes, 96);
        c21.intoArray(lanes, 112);
        c22.intoArray(lanes, 128);
        c30.intoArray(lanes, 144);
        c31.intoArray(lanes, 160);
        c32.intoArray(lanes, 176);
    }
}
