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
 * more take that 512-bit kernel two tokens per pass ({@link #multiplyTokenPairs}); from
 * {@link #FLOAT_TOKENS} on, on either width, a float kernel ({@link #multiplyGroups}; with 512-bit
 * vectors {@link Q8_0LanePairs}, a group's 16 rows across the lanes, else 4-row tiles): byte
 * products and their sums of four are integers below 2^24, so float lanes hold exactly the int
 * lanes of {@link Q8_0Format#dotVector}, -128 or not; the per-block fused multiply-add and the
 * reduction are the same, so are the bits. Activations are converted once per input
 * ({@link MatrixInput#lanePairQuants}, or {@link MatrixInput#quantFloats} with 256-bit vectors,
 * each vector holding {@link #PLANE_TOKENS} tokens' 8 lanes), weights once per group and matrix call.
 */
final class Q8_0x16 extends PackedMatrix {
    static final int ROWS = 16;
    private static final int BLOCK_SHORTS = Q8_0Format.BLOCK / 2;
    /** Decode with both rows of a pair in one 512-bit vector (where the lane-per-row kernels take 512 bits). */
    static final boolean WIDE = VectorKernels.ROW_BITS == 512;
    /** The float lanes of a pair's second row in a 512-bit vector. */
    private static final VectorMask<Float> SECOND_ROW = VectorMask.fromLong(VectorKernels.FLOAT_ROWS, 0xFF00L);
    /** Per thread: the lanes of a pair's two rows (of all 8 pairs of a group in {@link #multiplyGroupWide}), reduced in scalar code. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[ROWS * ROWS / 2]);
    /** Blocks of a row per chunk of the packed layout ({@link #quantsAt}) and of the 512-bit decode kernel. */
    static final int CHUNK_BLOCKS = 64;
    /** Tokens per vector of the float (prefill) kernel: 8 lanes each, two on 512-bit vectors. */
    static final int PLANE_TOKENS = VectorKernels.FLOAT_ROWS.length() / 8;
    /**
     * Batches from this many tokens on take the float kernel: with 256-bit vectors from 16
     * (TileKernelBench: even at 12-16); with 512-bit ones the lane-pair kernel widens each group
     * per matrix call, and the 16-bit token pairs were faster below about 70 tokens (model prefill
     * A/B, token pairs against lane pairs: 1.46 at 24 tokens, 1.17 at 48, 1.04 at 64, 0.96 at 80).
     */
    static final int FLOAT_TOKENS = WIDE ? 72 : 16;
    /** Rows per pass of the float kernel; a group's rows are widened once for all tokens. */
    private static final int TILE_ROWS = 4;
    /**
     * Activation bytes per chunk of tokens that the float kernel takes through a group's rows:
     * with the widened group, within L2, so that the activations come from further away once per
     * group and not once per tile.
     */
    private static final long CHUNK_BYTES = 256 << 10;

    /**
     * Tokens per chunk of the 512-bit kernel: their lanes ({@link Q8_0LanePairs#LANE_FLOATS} each)
     * stay in L1 between the lane pairs' passes and the reduction.
     */
    private static final int CHUNK_TOKENS = 8 * Q8_0LanePairs.TOKENS;

    /** Per thread: a group's rows as floats ({@link #widenGroupRows} or {@link #widenGroupAcrossLanes}), their scales, and a tile's or a chunk's lanes. */
    private static final class PlaneScratch {
        int blocks;
        float[] weights = new float[0];
        float[] scales = new float[0];
        final float[] lanes = new float[WIDE ? CHUNK_TOKENS * Q8_0LanePairs.LANE_FLOATS : TILE_ROWS * 2 * 8 * PLANE_TOKENS];

        void fit(int rowBlocks) {
            blocks = rowBlocks;
            if (scales.length < ROWS * rowBlocks) {
                scales = new float[ROWS * rowBlocks];
                // the lane pairs widen each value once; the 256-bit planes PLANE_TOKENS times
                weights = new float[ROWS * rowBlocks * 32 * (WIDE ? 1 : PLANE_TOKENS)];
            }
        }
    }

    private static final ThreadLocal<PlaneScratch> PLANE_SCRATCH = ThreadLocal.withInitial(PlaneScratch::new);

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
     * block by block, so that a block of both is one run of 32 shorts; a group holds its rows
     * {@link #CHUNK_BLOCKS} blocks at a time, pair after pair, then the next chunk (rows of up to
     * that many blocks: pair after pair).
     */
    private int quantsAt(int row, int b) {
        int inGroup = row % ROWS;
        int chunk = b / CHUNK_BLOCKS;
        int chunkBlocks = Math.min(CHUNK_BLOCKS, blocks - chunk * CHUNK_BLOCKS);
        int inChunk = (inGroup % (ROWS / 2) * chunkBlocks + b % CHUNK_BLOCKS) * 2 + inGroup / (ROWS / 2);
        return ((row / ROWS * blocks + chunk * CHUNK_BLOCKS) * ROWS + inChunk) * BLOCK_SHORTS;
    }

    @Override
    void multiplyGroupTokens(int g, MatrixInput x, float[] out, int at, int stride) {
        if (x.hasQuantsTwice && x.tokens() >= Q8_0Format.PREFILL_TOKENS) {
            multiplyTokenPairs(g, x, out, at, stride);
        } else {
            super.multiplyGroupTokens(g, x, out, at, stride);
        }
    }

    @Override
    void multiplyGroups(int firstGroup, int endGroup, MatrixInput x, float[] out, int outOffset, int outStride) {
        if (!x.hasQuantFloats) {
            super.multiplyGroups(firstGroup, endGroup, x, out, outOffset, outStride);
            return;
        }
        // the scratch once per range, not per group
        PlaneScratch s = PLANE_SCRATCH.get();
        s.fit(blocks);
        if (WIDE) {
            for (int g = firstGroup; g < endGroup; g++) {
                widenGroupAcrossLanes(g, s);
                multiplyRowLanes(g, x, s, out, outOffset + g * ROWS, outStride);
            }
            return;
        }
        int tokenGroups = (x.tokens() + PLANE_TOKENS - 1) / PLANE_TOKENS;
        // token groups per chunk: an even number, their activations within CHUNK_BYTES
        int chunk = Math.max(2, (int) (CHUNK_BYTES / (4L * 8 * PLANE_TOKENS * 4 * blocks)) & -2);
        for (int g = firstGroup; g < endGroup; g++) {
            widenGroupRows(g, s);
            for (int c0 = 0; c0 < tokenGroups; c0 += chunk) {
                for (int first = 0; first < ROWS; first += TILE_ROWS) {
                    multiplyTileRows(g, first, c0, Math.min(c0 + chunk, tokenGroups), x, s, out, outOffset + g * ROWS, outStride);
                }
            }
        }
    }

    /** The rows of group {@code g} as float planes into {@code s}: each 8-lane plane {@link #PLANE_TOKENS} times over, and the scales. */
    private void widenGroupRows(int g, PlaneScratch s) {
        int width = 8 * PLANE_TOKENS;
        for (int r = 0; r < ROWS; r++) {
            for (int b = 0; b < blocks; b++) {
                int at = ((r * blocks + b) * 4) * width;
                s.scales[r * blocks + b] = scale((g * ROWS + r) * blocks + b);
                // int lane l holds elements 4l..4l+3; byte j of it is element 4l + j
                IntVector q = ShortVector.fromArray(VectorKernels.SHORT_256, quants, quantsAt(g * ROWS + r, b)).reinterpretAsInts();
                for (int j = 0; j < 4; j++) {
                    FloatVector plane = VectorKernels.bytePlane(q, j);
                    for (int u = 0; u < width; u += 8) {
                        plane.intoArray(s.weights, at + j * width + u);
                    }
                }
            }
        }
    }

    /**
     * The rows of group {@code g} for {@link Q8_0LanePairs}: lane pair p's slot i of block b of
     * row r at {@code ((p * blocks + b) * 8 + i) * ROWS + r}, and the scales at {@code b * ROWS + r}.
     */
    private void widenGroupAcrossLanes(int g, PlaneScratch s) {
        for (int r = 0; r < ROWS; r++) {
            for (int b = 0; b < blocks; b++) {
                s.scales[b * ROWS + r] = scale((g * ROWS + r) * blocks + b);
                int at = quantsAt(g * ROWS + r, b);
                for (int p = 0; p < Q8_0LanePairs.PAIRS; p++) {
                    // lane p: elements 4p..4p+3 in shorts 2p and 2p + 1 (low byte first); lane p + 4: elements 16 + 4p.. in shorts 8 + 2p and 9 + 2p
                    int slots = (p * blocks + b) * 8 * ROWS + r;
                    widenShort(quants[at + 2 * p], s.weights, slots);
                    widenShort(quants[at + 2 * p + 1], s.weights, slots + 2 * ROWS);
                    widenShort(quants[at + 8 + 2 * p], s.weights, slots + 4 * ROWS);
                    widenShort(quants[at + 9 + 2 * p], s.weights, slots + 6 * ROWS);
                }
            }
        }
    }

    /** The two signed bytes of {@code pair}, low first, at {@code to[at]} and {@code to[at + ROWS]}. */
    private static void widenShort(short pair, float[] to, int at) {
        to[at] = (byte) pair;
        to[at + ROWS] = pair >> 8;
    }

    /**
     * {@link Q8_0LanePairs} over all tokens, in chunks of {@link #CHUNK_TOKENS}: each lane pair
     * over the chunk, six tokens at a time (the last pass of the input repeating its last token),
     * then the chunk's lanes reduced; outputs at {@code out[at + t * stride + row]}.
     */
    private void multiplyRowLanes(int g, MatrixInput x, PlaneScratch s, float[] out, int at, int stride) {
        int tokens = x.tokens();
        int pairTokens = x.lanePairTokens;
        for (int c0 = 0; c0 < tokens; c0 += CHUNK_TOKENS) {
            int c1 = Math.min(c0 + CHUNK_TOKENS, tokens);
            for (int pair = 0; pair < Q8_0LanePairs.PAIRS; pair++) {
                for (int t = c0; t < c1; t += Q8_0LanePairs.TOKENS) {
                    Q8_0LanePairs.sixTokens(s.weights, pair * blocks * 8 * ROWS, s.scales, blocks,
                            x.lanePairQuants, (pair * pairTokens + t) * blocks * 8, x.lanePairScales, t * blocks,
                            s.lanes, (t - c0) * Q8_0LanePairs.LANE_FLOATS, pair);
                }
            }
            for (int t = c0; t < c1; t++) {
                Q8_0LanePairs.reduce(s.lanes, (t - c0) * Q8_0LanePairs.LANE_FLOATS, out, at + t * stride);
                for (int r = 0; r < ROWS && mins.length > 0; r++) {
                    out[at + t * stride + r] += minTerms((g * ROWS + r) * blocks, x, t);
                }
            }
        }
    }

    /**
     * The widened group rows {@code first..first+3} of {@code s} times token groups
     * {@code [from, to)}, two per pass (a last, odd one of the input paired with itself);
     * outputs at {@code out[at + t * stride + row]}.
     */
    private void multiplyTileRows(int g, int first, int from, int to, MatrixInput x, PlaneScratch s, float[] out, int at, int stride) {
        int tokens = x.tokens();
        int rows = (g * ROWS + first) * blocks;
        int groups = (tokens + PLANE_TOKENS - 1) / PLANE_TOKENS;
        for (int g0 = from; g0 < to; g0 += 2) {
            int g1 = Math.min(g0 + 1, groups - 1);
            tileLanes(x, s, first * blocks * 32 * PLANE_TOKENS, g0 * blocks, g1 * blocks);
            for (int r = 0; r < TILE_ROWS; r++) {
                for (int u = 0; u < 2 * PLANE_TOKENS; u++) {
                    int t = (u < PLANE_TOKENS ? g0 : g1) * PLANE_TOKENS + u % PLANE_TOKENS;
                    if (t < tokens && (u < PLANE_TOKENS || g1 > g0)) {
                        out[at + t * stride + first + r] = sumLikeGgml(s.lanes, 8 * (2 * PLANE_TOKENS * r + u))
                                + minTerms(rows + r * blocks, x, t);
                    }
                }
            }
        }
    }

    /**
     * The accumulators of the 4 widened rows and token groups from blocks {@code k0} and
     * {@code k1} of the activations, into {@code s.lanes} (row r, group i at
     * {@code 8 * PLANE_TOKENS * (2r + i)}): per block and lane the exact integer sum of 4
     * products, then one fused multiply-add with d_w * d_x, as ggml's lanes.
     */
    private static void tileLanes(MatrixInput x, PlaneScratch s, int rowsAt, int k0, int k1) {
        float[] a = x.quantFloats;
        float[] as = x.quantFloatScales;
        float[] w = s.weights;
        float[] ws = s.scales;
        int blocks = s.blocks;
        int scalesAt = rowsAt / (32 * PLANE_TOKENS);
        int width = 8 * PLANE_TOKENS;
        int rowPlanes = blocks * 4 * width;
        FloatVector zero = FloatVector.zero(VectorKernels.FLOAT_ROWS);
        FloatVector c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
        for (int b = 0; b < blocks; b++) {
            // the block's 8 integer lane sums per row and token, plane by plane (one copy of the
            // loads in the code: C2 stops inlining the vector calls of a larger method)
            FloatVector p00 = zero, p01 = zero, p10 = zero, p11 = zero, p20 = zero, p21 = zero, p30 = zero, p31 = zero;
            for (int j = 0; j < 4; j++) {
                int o = (b * 4 + j) * width;
                FloatVector x0 = VectorKernels.rowsFrom(a, k0 * 4 * width + o);
                FloatVector x1 = VectorKernels.rowsFrom(a, k1 * 4 * width + o);
                FloatVector v = VectorKernels.rowsFrom(w, rowsAt + o);
                p00 = v.fma(x0, p00);
                p01 = v.fma(x1, p01);
                v = VectorKernels.rowsFrom(w, rowsAt + rowPlanes + o);
                p10 = v.fma(x0, p10);
                p11 = v.fma(x1, p11);
                v = VectorKernels.rowsFrom(w, rowsAt + 2 * rowPlanes + o);
                p20 = v.fma(x0, p20);
                p21 = v.fma(x1, p21);
                v = VectorKernels.rowsFrom(w, rowsAt + 3 * rowPlanes + o);
                p30 = v.fma(x0, p30);
                p31 = v.fma(x1, p31);
            }
            FloatVector s0 = VectorKernels.rowsFrom(as, (k0 + b) * width);
            FloatVector s1 = VectorKernels.rowsFrom(as, (k1 + b) * width);
            c00 = p00.fma(s0.mul(ws[scalesAt + b]), c00);
            c01 = p01.fma(s1.mul(ws[scalesAt + b]), c01);
            c10 = p10.fma(s0.mul(ws[scalesAt + blocks + b]), c10);
            c11 = p11.fma(s1.mul(ws[scalesAt + blocks + b]), c11);
            c20 = p20.fma(s0.mul(ws[scalesAt + 2 * blocks + b]), c20);
            c21 = p21.fma(s1.mul(ws[scalesAt + 2 * blocks + b]), c21);
            c30 = p30.fma(s0.mul(ws[scalesAt + 3 * blocks + b]), c30);
            c31 = p31.fma(s1.mul(ws[scalesAt + 3 * blocks + b]), c31);
        }
        float[] lanes = s.lanes;
        c00.intoArray(lanes, 0);
        c01.intoArray(lanes, width);
        c10.intoArray(lanes, 2 * width);
        c11.intoArray(lanes, 3 * width);
        c20.intoArray(lanes, 4 * width);
        c21.intoArray(lanes, 5 * width);
        c30.intoArray(lanes, 6 * width);
        c31.intoArray(lanes, 7 * width);
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
     * half; the halves are reduced apart at the end. All pairs go through a chunk of
     * {@link #CHUNK_BLOCKS} blocks before the next, each pair's sum carried over in {@code lanes}
     * (the same sums in the same order): the chunk's doubled activations (128 bytes a block) stay
     * in L1, where a whole row's of 8192 values did not (its matrix read at 9 GB/s, against 23
     * for rows of 2048).
     */
    private void multiplyGroupWide(int g, MatrixInput x, int token, float[] out, int at) {
        short[] evens = x.evensTwice;
        short[] odds = x.oddsTwice;
        float[] activationScales = x.scales;
        float[] lanes = LANES.get();
        for (int c0 = 0; c0 < blocks; c0 += CHUNK_BLOCKS) {
            int c1 = Math.min(blocks, c0 + CHUNK_BLOCKS);
            for (int pair = 0; pair < ROWS / 2; pair++) {
                int row0 = (g * ROWS + pair) * blocks;
                int row1 = row0 + (ROWS / 2) * blocks;
                // the pair's blocks of the chunk, one run
                int chunkAt = quantsAt(g * ROWS + pair, c0) - 2 * BLOCK_SHORTS * c0;
                FloatVector acc = c0 == 0 ? FloatVector.zero(VectorKernels.FLOAT_ROWS) : FloatVector.fromArray(VectorKernels.FLOAT_ROWS, lanes, ROWS * pair);
                for (int b = c0; b < c1; b++) {
                    int k = token * blocks + b;
                    ShortVector even = ShortVector.fromArray(VectorKernels.SHORT_ROWS, evens, 32 * k);
                    ShortVector odd = ShortVector.fromArray(VectorKernels.SHORT_ROWS, odds, 32 * k);
                    float scale = activationScales[k];
                    FloatVector blockScales = FloatVector.broadcast(VectorKernels.FLOAT_ROWS, scale(row0 + b) * scale)
                            .blend(scale(row1 + b) * scale, SECOND_ROW);
                    acc = VectorKernels.rowsToFloat(VectorKernels.dotUnpackedRows(
                                    ShortVector.fromArray(VectorKernels.SHORT_ROWS, quants, chunkAt + 2 * BLOCK_SHORTS * b), even, odd))
                            .fma(blockScales, acc);
                }
                acc.intoArray(lanes, ROWS * pair);
                if (c1 == blocks) {
                    out[at + pair] = sumLikeGgml(lanes, ROWS * pair) + minTerms(row0, x, token);
                    out[at + pair + ROWS / 2] = sumLikeGgml(lanes, ROWS * pair + 8) + minTerms(row1, x, token);
                }
            }
        }
    }

    /**
     * The 16-bit kernel of {@link #multiplyGroupWide} for a batch, two tokens per pass over a
     * pair's blocks (an odd last token by that kernel alone), the same bits: batches below
     * {@link #FLOAT_TOKENS}, where widening rows for the float kernel costs more than it saves. A
     * method of its own: inside {@link #multiplyGroupTokens} it made C2 box the decode kernel's
     * vectors once a prefill had run (decode then allocated and ran at a seventh of its speed).
     */
    private void multiplyTokenPairs(int g, MatrixInput x, float[] out, int at, int stride) {
        float[] lanes = LANES.get();
        int tokens = x.tokens();
        for (int t0 = 0; t0 + 1 < tokens; t0 += 2) {
            int t1 = t0 + 1;
            for (int pair = 0; pair < ROWS / 2; pair++) {
                int row0 = (g * ROWS + pair) * blocks;
                int row1 = row0 + (ROWS / 2) * blocks;
                pairLanesTwoTokens(g * ROWS + pair, row0, row1, x, t0 * blocks, t1 * blocks, lanes);
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

    /** {@link #multiplyGroupWide}'s lanes for two tokens (blocks from k0 and k1) at once, each block of the pair of row {@code pairRow} loaded once: into lanes[0..32). */
    private void pairLanesTwoTokens(int pairRow, int row0, int row1, MatrixInput x, int k0, int k1, float[] lanes) {
        short[] evens = x.evensTwice;
        short[] odds = x.oddsTwice;
        float[] activationScales = x.scales;
        FloatVector acc0 = FloatVector.zero(VectorKernels.FLOAT_ROWS);
        FloatVector acc1 = acc0;
        for (int c0 = 0; c0 < blocks; c0 += CHUNK_BLOCKS) {
            // the pair's blocks of the chunk, one run (see quantsAt)
            int chunkAt = quantsAt(pairRow, c0) - 2 * BLOCK_SHORTS * c0;
            for (int b = c0; b < Math.min(blocks, c0 + CHUNK_BLOCKS); b++) {
                ShortVector w = ShortVector.fromArray(VectorKernels.SHORT_ROWS, quants, chunkAt + 2 * BLOCK_SHORTS * b);
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
