package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0 rows in groups of {@link #ROWS} (16 with 256-bit vectors, 32 with 512-bit ones; see
 * {@link VectorKernels#SHORT_ROWS}), interleaved so that 16-bit lane s of a vector works on one
 * row: per block of 32 values eight vectors (vector q: lane s holds the row's values 4q..4q+3 as
 * four nibbles, lowest first), then a ninth with the rows' scales as fp16 bits in the same lanes
 * (the file's bytes, no more: decode is bound by reading them; widened exactly in the kernel, see
 * {@link VectorKernels#finiteHalfRows}; a matrix with an infinite or NaN scale runs the source's
 * kernel instead). The scales inside the blocks keep decode to one stream of memory: in their own
 * array they were a second, and one thread read the weights from memory 9% slower. Lanes 2k and
 * 2k+1 hold rows k and ROWS/2 + k, so splitting the 32-bit halves gives both halves of the rows
 * in order.
 *
 * <p>The kernel gives each row exactly llama.cpp's repacked q4_0 result (see
 * {@link Q4_0Format#matrixDot}): per block the exact integer sum, then one fused multiply-add
 * of it with d_w * d_x, block after block. The integer sums are taken modulo 2^16 with the
 * quants as 0..15 and 8 * (sum of the activation quants) taken off at the end; the true sum,
 * at most 32 * 8 * 127 in size, fits a short, so it comes out exact.
 *
 * <p>Batches of {@link #TILE_TOKENS} tokens or more run the same arithmetic eight tokens at a
 * time: each nibble vector is taken apart once and multiplied with each token's quant
 * broadcast to all lanes, so a block of a group and 8 tokens costs about three 16-bit
 * operations per lane's products.
 */
final class Q4_0x16 extends PackedMatrix {
    static final int ROWS = VectorKernels.LANE_ROWS;
    private static final int HALF = ROWS / 2;
    /** Shorts per block of a group: 9 vectors (8 of quants, then the scales), a lane per row. */
    private static final int BLOCK_SHORTS = 9 * ROWS;
    /** Where a block's scales stand in it: after its 8 quant vectors. */
    private static final int SCALES = 8 * ROWS;

    /** Batches from this many tokens on take the many-token kernel ({@link #multiplyGroups}). */
    static final int TILE_TOKENS = 8;
    /** Per thread: a tile's block sums, a group's rows per token. */
    private static final ThreadLocal<short[]> TILE_SUMS = ThreadLocal.withInitial(() -> new short[TILE_TOKENS * ROWS]);

    /** The blocks of every group, group after group. */
    private final short[] quants;
    /** False once {@link #pack} met an infinite or NaN scale, which the widening cannot carry. */
    private volatile boolean finiteScales = true;

    Q4_0x16(Tensor source) {
        super(source, ROWS);
        quants = new short[arrayLength((long) blocks * BLOCK_SHORTS)];
    }

    @Override
    public long byteSize() {
        return 2L * quants.length;
    }

    @Override
    public void pack(int from, int to) {
        MemorySegment w = source.data();
        long rowBytes = source.rowBytes();
        for (int g = from; g < to; g++) {
            for (int b = 0; b < blocks; b++) {
                int block = (g * blocks + b) * BLOCK_SHORTS;
                for (int s = 0; s < ROWS; s++) {
                    long src = (long) (g * ROWS + VectorKernels.rowOfLane(s)) * rowBytes + (long) b * Q4_0Format.BYTES;
                    for (int q = 0; q < 8; q++) {
                        int lane = 0;
                        for (int j = 0; j < 4; j++) {
                            lane |= quant(w, src, 4 * q + j) << (4 * j);
                        }
                        quants[block + ROWS * q + s] = (short) lane;
                    }
                    short scale = w.get(LittleEndian.SHORT, src);
                    quants[block + SCALES + s] = scale;
                    if (!Float.isFinite(Float.float16ToFloat(scale))) {
                        finiteScales = false;
                    }
                }
            }
        }
    }

    @Override
    boolean usesPacked(MatrixInput x) {
        return x.unpacked && finiteScales;
    }

    /** Quant {@code e} (0..31) of the Q4_0 block at {@code block}: low nibbles hold 0..15, high nibbles 16..31. */
    private static int quant(MemorySegment w, long block, int e) {
        int q = LittleEndian.unsignedByte(w, block + 2 + (e & 15));
        return e < 16 ? q & 0xF : q >> 4;
    }

    @Override
    void multiplyGroup(int g, MatrixInput x, int token, float[] out, int at) {
        short[] evens = x.evens;
        short[] odds = x.odds;
        ShortVector mask = ShortVector.broadcast(VectorKernels.SHORT_ROWS, (short) 0xF);
        FloatVector low = FloatVector.zero(VectorKernels.FLOAT_ROWS);
        FloatVector high = low;
        for (int b = 0; b < blocks; b++) {
            int k = token * blocks + b;
            int block = (g * blocks + b) * BLOCK_SHORTS;
            ShortVector sumLow = ShortVector.zero(VectorKernels.SHORT_ROWS);
            ShortVector sumHigh = sumLow;
            for (int q = 0; q < 8; q++) {
                ShortVector v = ShortVector.fromArray(VectorKernels.SHORT_ROWS, quants, block + ROWS * q);
                // values 4q and 4q+2 are even elements (evens[2q], evens[2q+1]), 4q+1 and 4q+3 odd;
                // broadcast from the small arrays: a copy of every value 16 times over loads as one
                // vector, but it was a 24-64 KiB second stream besides the weights, and with these
                // coming from memory decode ran 1.3-1.5x slower with it
                int e = 16 * k + 2 * q;
                ShortVector a0 = ShortVector.broadcast(VectorKernels.SHORT_ROWS, evens[e]);
                ShortVector a1 = ShortVector.broadcast(VectorKernels.SHORT_ROWS, odds[e]);
                ShortVector a2 = ShortVector.broadcast(VectorKernels.SHORT_ROWS, evens[e + 1]);
                ShortVector a3 = ShortVector.broadcast(VectorKernels.SHORT_ROWS, odds[e + 1]);
                sumLow = sumLow.add(v.and(mask).mul(a0)).add(v.lanewise(VectorOperators.LSHR, 8).and(mask).mul(a2));
                sumHigh = sumHigh.add(v.lanewise(VectorOperators.LSHR, 4).and(mask).mul(a1)).add(v.lanewise(VectorOperators.LSHR, 12).mul(a3));
            }
            ShortVector sums = sumLow.add(sumHigh).sub((short) (8 * x.sums32[k]));
            float scale = x.scales[k];
            ShortVector d = ShortVector.fromArray(VectorKernels.SHORT_ROWS, quants, block + SCALES);
            low = VectorKernels.rowsToFloat(VectorKernels.firstHalfRows(sums))
                    .fma(VectorKernels.finiteHalfRows(VectorKernels.firstHalfRows(d)).mul(scale), low);
            high = VectorKernels.rowsToFloat(VectorKernels.secondHalfRows(sums))
                    .fma(VectorKernels.finiteHalfRows(VectorKernels.secondHalfRows(d)).mul(scale), high);
        }
        low.intoArray(out, at);
        high.intoArray(out, at + HALF);
    }

    @Override
    void multiplyGroups(int firstGroup, int endGroup, MatrixInput x, float[] out, int outOffset, int outStride) {
        if (!x.hasTileQuants) {
            super.multiplyGroups(firstGroup, endGroup, x, out, outOffset, outStride);
            return;
        }
        // the scratch once per range: a thread-local lookup per group showed in profiles
        short[] tileSums = TILE_SUMS.get();
        int tokens = x.tokens();
        for (int g = firstGroup; g < endGroup; g++) {
            int at = outOffset + g * ROWS;
            for (int t0 = 0; t0 < tokens; t0 += TILE_TOKENS) {
                for (int b = 0; b < blocks; b++) {
                    tileBlockSums(g, b, x.tileQuants, (t0 * x.length() + b * 32 * TILE_TOKENS), tileSums);
                    addBlock(g, b, x, t0, Math.min(TILE_TOKENS, tokens - t0), tileSums, out, at, outStride);
                }
            }
        }
    }

    /**
     * The block sums (exact: at most 32 * 8 * 127 in size) of block b, the group's rows and 8 tokens, into
     * {@code tileSums}; the tokens' quants from {@code a[from]} (see {@link MatrixInput#tileQuants}).
     */
    private void tileBlockSums(int g, int b, short[] a, int from, short[] tileSums) {
        ShortVector s0 = ShortVector.zero(VectorKernels.SHORT_ROWS);
        ShortVector s1 = s0;
        ShortVector s2 = s0;
        ShortVector s3 = s0;
        ShortVector s4 = s0;
        ShortVector s5 = s0;
        ShortVector s6 = s0;
        ShortVector s7 = s0;
        int block = (g * blocks + b) * BLOCK_SHORTS;
        // value 4q + j is nibble j of vector q
        for (int q = 0; q < 8; q++) {
            ShortVector v = ShortVector.fromArray(VectorKernels.SHORT_ROWS, quants, block + ROWS * q);
            for (int j = 0; j < 4; j++) {
                ShortVector n = VectorKernels.nibble(v, 4 * j).sub((short) 8);
                int e = from + (4 * q + j) * TILE_TOKENS;
                s0 = s0.add(n.mul(a[e]));
                s1 = s1.add(n.mul(a[e + 1]));
                s2 = s2.add(n.mul(a[e + 2]));
                s3 = s3.add(n.mul(a[e + 3]));
                s4 = s4.add(n.mul(a[e + 4]));
                s5 = s5.add(n.mul(a[e + 5]));
                s6 = s6.add(n.mul(a[e + 6]));
                s7 = s7.add(n.mul(a[e + 7]));
            }
        }
        s0.intoArray(tileSums, 0);
        s1.intoArray(tileSums, ROWS);
        s2.intoArray(tileSums, 2 * ROWS);
        s3.intoArray(tileSums, 3 * ROWS);
        s4.intoArray(tileSums, 4 * ROWS);
        s5.intoArray(tileSums, 5 * ROWS);
        s6.intoArray(tileSums, 6 * ROWS);
        s7.intoArray(tileSums, 7 * ROWS);
    }

    /**
     * Adds block b's sums of the tile's first {@code count} tokens to their outputs as
     * {@link #multiplyGroup} does: one fused multiply-add with d_w * d_x (the first block's onto
     * zero, whatever {@code out} held).
     */
    private void addBlock(int g, int b, MatrixInput x, int t0, int count, short[] tileSums, float[] out, int at, int stride) {
        ShortVector d = ShortVector.fromArray(VectorKernels.SHORT_ROWS, quants, (g * blocks + b) * BLOCK_SHORTS + SCALES);
        FloatVector dLow = VectorKernels.finiteHalfRows(VectorKernels.firstHalfRows(d));
        FloatVector dHigh = VectorKernels.finiteHalfRows(VectorKernels.secondHalfRows(d));
        for (int u = 0; u < count; u++) {
            int k = (t0 + u) * blocks + b;
            ShortVector sums = ShortVector.fromArray(VectorKernels.SHORT_ROWS, tileSums, u * ROWS);
            float scale = x.scales[k];
            int o = at + (t0 + u) * stride;
            VectorKernels.rowsToFloat(VectorKernels.firstHalfRows(sums)).fma(dLow.mul(scale), VectorKernels.rowsOrZero(b == 0, out, o)).intoArray(out, o);
            VectorKernels.rowsToFloat(VectorKernels.secondHalfRows(sums)).fma(dHigh.mul(scale), VectorKernels.rowsOrZero(b == 0, out, o + HALF)).intoArray(out, o + HALF);
        }
    }
}
