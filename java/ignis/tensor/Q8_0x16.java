package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0 rows copied into Java arrays: the quants as shorts (two per lane, as the kernels load
 * them) and the block scales as floats, rows in their order. Q5_0 rows too, their values q - 16
 * rebuilt as bytes once, and Q4_1 rows, their nibbles as bytes and the mins as floats: ggml's
 * q5_0 and q4_1 dots have q8_0's lanes and fused multiply-adds (q4_1 adds m * s per block apart),
 * so the same kernels give their bits; from arrays C2 drops the bounds
 * checks it keeps on memory-segment loads. Decode runs {@link Q8_0Format}'s two-row kernel on
 * rows 8 apart, whose blocks lie side by side: with 512-bit vectors ({@link #WIDE}) one vector
 * holds a block of both rows, each row in its own 256-bit half with its own 8 lanes of sums, so
 * the sums and their order are the same. Batches of {@link Q8_0Format#PREFILL_TOKENS} tokens or
 * more take that 512-bit kernel two tokens per pass ({@link #multiplyTokenPairs}) where it applies,
 * else (256 bits, or activations with a -128) a float kernel: byte
 * products and their sums of four are integers below 2^24, so float lanes hold exactly the int
 * lanes of {@link Q8_0Format#dotVector}; the per-block fused multiply-add and the reduction are
 * the same, so are the bits. Activations are converted once per input
 * ({@link MatrixInput#quantFloats}), a weight block once per four tokens.
 */
final class Q8_0x16 extends PackedMatrix {
    static final int ROWS = 16;
    private static final int BLOCK_SHORTS = Q8_0Format.BLOCK / 2;
    /** Decode with both rows of a pair in one 512-bit vector (where the lane-per-row kernels take 512 bits). */
    static final boolean WIDE = VectorKernels.ROW_BITS == 512;
    /** The float lanes of a pair's second row in a 512-bit vector. */
    private static final VectorMask<Float> SECOND_ROW = VectorMask.fromLong(VectorKernels.FLOAT_ROWS, 0xFF00L);
    /** Per thread: the lanes of four accumulators, or of a pair's two rows, reduced in scalar code. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[32]);

    private final short[] quants;
    /** Each block's d as the file's fp16 bits (decode is bound by reading the weights), widened by {@link #scale}. */
    private final short[] scales;
    /** Q4_1 only (else empty): each block's min m. */
    private final float[] mins;

    Q8_0x16(Tensor source) {
        super(source, ROWS);
        quants = new short[arrayLength((long) ROWS * blocks * BLOCK_SHORTS)];
        scales = new short[arrayLength((long) ROWS * blocks)];
        mins = new float[source.type() == GGMLType.Q4_1 ? scales.length : 0];
    }

    @Override
    public long byteSize() {
        return 2L * quants.length + 2L * scales.length + 4L * mins.length;
    }

    @Override
    boolean usesPacked(MatrixInput x) {
        return x.hasQuantFloats || x.unpacked;
    }

    @Override
    public void pack(int from, int to) {
        MemorySegment w = source.data();
        long rowBytes = source.rowBytes();
        GGMLType type = source.type();
        long blockBytes = type.blockBytes;
        for (int row = from * ROWS; row < to * ROWS; row++) {
            for (int b = 0; b < blocks; b++) {
                long block = row * rowBytes + b * blockBytes;
                int at = quantsAt(row, b);
                // every format here starts with d as fp16
                scales[row * blocks + b] = w.get(LittleEndian.SHORT, block);
                if (type == GGMLType.Q5_0) {
                    Q5_0Format.valuePairs(w, block, quants, at);
                } else if (type == GGMLType.Q4_1) {
                    mins[row * blocks + b] = Q4_1Format.valuePairs(w, block, quants, at);
                } else {
                    for (int i = 0; i < BLOCK_SHORTS; i++) {
                        quants[at + i] = w.get(LittleEndian.SHORT, block + 2 + 2L * i);
                    }
                }
            }
        }
    }

    /** The d of block {@code rowBlock} (row times blocks plus block), exactly. */
    private float scale(int rowBlock) {
        return Float.float16ToFloat(scales[rowBlock]);
    }

    /**
     * Where block b of a row's quants starts: rows r and r + 8 of a group (a pair) alternate
     * block by block, so that a block of both is one run of 32 shorts.
     */
    private int quantsAt(int row, int b) {
        int inGroup = row % ROWS;
        int pair = row / ROWS * (ROWS / 2) + inGroup % (ROWS / 2);
        return ((pair * blocks + b) * 2 + inGroup / (ROWS / 2)) * BLOCK_SHORTS;
    }

    @Override
    void multiplyGroupTokens(int g, MatrixInput x, float[] out, int at, int stride) {
        // (the float tiles never for Q4_1: its Q8_1 activations get no quants as floats, and they add no min terms)
        if (x.hasQuantsTwice && x.tokens() >= Q8_0Format.PREFILL_TOKENS) {
            multiplyTokenPairs(g, x, out, at, stride);
            return;
        }
        if (!x.hasQuantFloats) {
            super.multiplyGroupTokens(g, x, out, at, stride);
            return;
        }
        float[] lanes = LANES.get();
        for (int t0 = 0; t0 < x.tokens(); t0 += 4) {
            multiplyTile(g, t0, x, lanes, out, at, stride);
        }
    }

    /**
     * The group's rows times tokens {@code t0..t0+3} (where fewer are left, the last token stands
     * in for the missing ones and its outputs are written more than once).
     */
    private void multiplyTile(int g, int t0, MatrixInput x, float[] lanes, float[] out, int at, int stride) {
        int tokens = x.tokens();
        float[] a = x.quantFloats;
        float[] aScales = x.scales;
        int k0 = t0 * blocks;
        int k1 = Math.min(t0 + 1, tokens - 1) * blocks;
        int k2 = Math.min(t0 + 2, tokens - 1) * blocks;
        int k3 = Math.min(t0 + 3, tokens - 1) * blocks;
        for (int r = 0; r < ROWS; r++) {
            int row = (g * ROWS + r) * blocks;
            int quantsRow = quantsAt(g * ROWS + r, 0);
            FloatVector acc0 = FloatVector.zero(VectorKernels.FLOAT_256);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            for (int b = 0; b < blocks; b++) {
                FloatVector dw = FloatVector.broadcast(VectorKernels.FLOAT_256, scale(row + b));
                // int lane l holds elements 4l..4l+3; byte j of it is element 4l + j
                IntVector q = ShortVector.fromArray(VectorKernels.SHORT_256, quants, quantsRow + 2 * BLOCK_SHORTS * b).reinterpretAsInts();
                FloatVector w0 = VectorKernels.toFloat(q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24));
                FloatVector w1 = VectorKernels.toFloat(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24));
                FloatVector w2 = VectorKernels.toFloat(q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24));
                FloatVector w3 = VectorKernels.toFloat(q.lanewise(VectorOperators.ASHR, 24));
                acc0 = VectorKernels.blockDot(w0, w1, w2, w3, a, (k0 + b) * Q8_0Format.BLOCK)
                        .fma(dw.mul(FloatVector.broadcast(VectorKernels.FLOAT_256, aScales[k0 + b])), acc0);
                acc1 = VectorKernels.blockDot(w0, w1, w2, w3, a, (k1 + b) * Q8_0Format.BLOCK)
                        .fma(dw.mul(FloatVector.broadcast(VectorKernels.FLOAT_256, aScales[k1 + b])), acc1);
                acc2 = VectorKernels.blockDot(w0, w1, w2, w3, a, (k2 + b) * Q8_0Format.BLOCK)
                        .fma(dw.mul(FloatVector.broadcast(VectorKernels.FLOAT_256, aScales[k2 + b])), acc2);
                acc3 = VectorKernels.blockDot(w0, w1, w2, w3, a, (k3 + b) * Q8_0Format.BLOCK)
                        .fma(dw.mul(FloatVector.broadcast(VectorKernels.FLOAT_256, aScales[k3 + b])), acc3);
            }
            // reduced in scalar code: four more vector reductions would take this method past
            // C2's node-count cutoff, which then boxes their vectors
            acc0.intoArray(lanes, 0);
            acc1.intoArray(lanes, 8);
            acc2.intoArray(lanes, 16);
            acc3.intoArray(lanes, 24);
            for (int u = 3; u >= 0; u--) {
                out[at + Math.min(t0 + u, tokens - 1) * stride + r] = sumLikeGgml(lanes, 8 * u);
            }
        }
    }

    /** {@link VectorKernels#sum} of the 8 lanes at {@code lanes[at]}: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). */
    private static float sumLikeGgml(float[] lanes, int at) {
        return ((lanes[at] + lanes[at + 4]) + (lanes[at + 2] + lanes[at + 6]))
                + ((lanes[at + 1] + lanes[at + 5]) + (lanes[at + 3] + lanes[at + 7]));
    }

    @Override
    void multiplyGroup(int g, MatrixInput x, int token, float[] out, int at) {
        if (x.hasQuantsTwice) {
            multiplyGroupWide(g, x, token, out, at);
            return;
        }
        short[] evens = x.evens;
        short[] odds = x.odds;
        float[] activationScales = x.scales;
        for (int pair = 0; pair < ROWS / 2; pair++) {
            // rows 8 apart: two streams from memory
            int row0 = (g * ROWS + pair) * blocks;
            int row1 = row0 + (ROWS / 2) * blocks;
            FloatVector acc0 = FloatVector.zero(VectorKernels.FLOAT_256);
            FloatVector acc1 = acc0;
            for (int b = 0; b < blocks; b++) {
                int k = token * blocks + b;
                ShortVector even = ShortVector.fromArray(VectorKernels.SHORT_256, evens, k * 16);
                ShortVector odd = ShortVector.fromArray(VectorKernels.SHORT_256, odds, k * 16);
                float scale = activationScales[k];
                int pairBlock = quantsAt(g * ROWS + pair, b);
                acc0 = VectorKernels.toFloat(VectorKernels.dotUnpacked(
                                ShortVector.fromArray(VectorKernels.SHORT_256, quants, pairBlock), even, odd))
                        .fma(FloatVector.broadcast(VectorKernels.FLOAT_256, scale(row0 + b) * scale), acc0);
                acc1 = VectorKernels.toFloat(VectorKernels.dotUnpacked(
                                ShortVector.fromArray(VectorKernels.SHORT_256, quants, pairBlock + BLOCK_SHORTS), even, odd))
                        .fma(FloatVector.broadcast(VectorKernels.FLOAT_256, scale(row1 + b) * scale), acc1);
            }
            out[at + pair] = VectorKernels.sum(acc0) + minTerms(row0, x, token);
            out[at + pair + ROWS / 2] = VectorKernels.sum(acc1) + minTerms(row1, x, token);
        }
    }

    /**
     * {@link #multiplyGroup} with 512-bit vectors: each holds block b of both rows of a pair, the
     * activations twice over ({@link MatrixInput#evensTwice}), and takes each row's scale in its
     * half; the halves are reduced apart at the end.
     */
    private void multiplyGroupWide(int g, MatrixInput x, int token, float[] out, int at) {
        short[] evens = x.evensTwice;
        short[] odds = x.oddsTwice;
        float[] activationScales = x.scales;
        float[] lanes = LANES.get();
        for (int pair = 0; pair < ROWS / 2; pair++) {
            int row0 = (g * ROWS + pair) * blocks;
            int row1 = row0 + (ROWS / 2) * blocks;
            int pairBlocks = quantsAt(g * ROWS + pair, 0);
            FloatVector acc = FloatVector.zero(VectorKernels.FLOAT_ROWS);
            for (int b = 0; b < blocks; b++) {
                int k = token * blocks + b;
                ShortVector even = ShortVector.fromArray(VectorKernels.SHORT_ROWS, evens, 32 * k);
                ShortVector odd = ShortVector.fromArray(VectorKernels.SHORT_ROWS, odds, 32 * k);
                float scale = activationScales[k];
                FloatVector blockScales = FloatVector.broadcast(VectorKernels.FLOAT_ROWS, scale(row0 + b) * scale)
                        .blend(scale(row1 + b) * scale, SECOND_ROW);
                acc = VectorKernels.rowsToFloat(VectorKernels.dotUnpackedRows(
                                ShortVector.fromArray(VectorKernels.SHORT_ROWS, quants, pairBlocks + 2 * BLOCK_SHORTS * b), even, odd))
                        .fma(blockScales, acc);
            }
            acc.intoArray(lanes, 0);
            out[at + pair] = sumLikeGgml(lanes, 0) + minTerms(row0, x, token);
            out[at + pair + ROWS / 2] = sumLikeGgml(lanes, 8) + minTerms(row1, x, token);
        }
    }

    /**
     * The 16-bit kernel of {@link #multiplyGroupWide} for a batch, two tokens per pass over a
     * pair's blocks (an odd last token by that kernel alone), the same bits. A method of its own:
     * inside {@link #multiplyGroupTokens} it made C2 box the decode kernel's vectors once a
     * prefill had run (decode then allocated and ran at a seventh of its speed).
     */
    private void multiplyTokenPairs(int g, MatrixInput x, float[] out, int at, int stride) {
        float[] lanes = LANES.get();
        int tokens = x.tokens();
        for (int t0 = 0; t0 + 1 < tokens; t0 += 2) {
            int t1 = t0 + 1;
            for (int pair = 0; pair < ROWS / 2; pair++) {
                int row0 = (g * ROWS + pair) * blocks;
                int row1 = row0 + (ROWS / 2) * blocks;
                pairLanesTwoTokens(quantsAt(g * ROWS + pair, 0), row0, row1, x, t0 * blocks, t1 * blocks, lanes);
                out[at + t0 * stride + pair] = sumLikeGgml(lanes, 0) + minTerms(row0, x, t0);
                out[at + t0 * stride + pair + ROWS / 2] = sumLikeGgml(lanes, 8) + minTerms(row1, x, t0);
                out[at + t1 * stride + pair] = sumLikeGgml(lanes, 16) + minTerms(row0, x, t1);
                out[at + t1 * stride + pair + ROWS / 2] = sumLikeGgml(lanes, 24) + minTerms(row1, x, t1);
            }
        }
        if (tokens % 2 == 1) {
            multiplyGroupWide(g, x, tokens - 1, out, at + (tokens - 1) * stride);
        }
    }

    /** {@link #multiplyGroupWide}'s lanes for two tokens (blocks from k0 and k1) at once, each pair block loaded once: into lanes[0..32). */
    private void pairLanesTwoTokens(int pairBlocks, int row0, int row1, MatrixInput x, int k0, int k1, float[] lanes) {
        short[] evens = x.evensTwice;
        short[] odds = x.oddsTwice;
        float[] activationScales = x.scales;
        FloatVector acc0 = FloatVector.zero(VectorKernels.FLOAT_ROWS);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            ShortVector w = ShortVector.fromArray(VectorKernels.SHORT_ROWS, quants, pairBlocks + 2 * BLOCK_SHORTS * b);
            float d0 = scale(row0 + b);
            float d1 = scale(row1 + b);
            float s0 = activationScales[k0 + b];
            float s1 = activationScales[k1 + b];
            ShortVector even0 = ShortVector.fromArray(VectorKernels.SHORT_ROWS, evens, 32 * (k0 + b));
            ShortVector odd0 = ShortVector.fromArray(VectorKernels.SHORT_ROWS, odds, 32 * (k0 + b));
            ShortVector even1 = ShortVector.fromArray(VectorKernels.SHORT_ROWS, evens, 32 * (k1 + b));
            ShortVector odd1 = ShortVector.fromArray(VectorKernels.SHORT_ROWS, odds, 32 * (k1 + b));
            acc0 = VectorKernels.rowsToFloat(VectorKernels.dotUnpackedRows(w, even0, odd0))
                    .fma(FloatVector.broadcast(VectorKernels.FLOAT_ROWS, d0 * s0).blend(d1 * s0, SECOND_ROW), acc0);
            acc1 = VectorKernels.rowsToFloat(VectorKernels.dotUnpackedRows(w, even1, odd1))
                    .fma(FloatVector.broadcast(VectorKernels.FLOAT_ROWS, d0 * s1).blend(d1 * s1, SECOND_ROW), acc1);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, 16);
    }

    /** Q4_1 (else 0): m * s of the row's blocks, multiplied then added block by block, as Q4_1Format#dotVector. */
    private float minTerms(int row, MatrixInput x, int token) {
        float sum = 0;
        for (int b = 0; b < blocks && mins.length > 0; b++) {
            sum += mins[row + b] * x.blockSums[token * blocks + b];
        }
        return sum;
    }
}
