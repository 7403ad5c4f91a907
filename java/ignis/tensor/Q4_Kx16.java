package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_K rows in groups of {@link #ROWS}, one row per 16-bit lane as in {@link Q4_0x16} (lanes
 * 2k and 2k+1 hold rows k and ROWS/2 + k). ggml's AVX2 q4_K kernel keeps 8 float lanes per row (lane l: values
 * 4l..4l+3 of every 32-value sub-block), so the quants are laid out lane-major: for each lane l,
 * super-block and sub-block s, one vector whose 16-bit lane holds a row's values 4l..4l+3 of
 * sub-block s as nibbles. Per super-block the 6-bit scales and mins of the 8 sub-blocks sit in
 * one short per row and sub-block (scale in the low byte, min in the high one: decode is bound by
 * reading the weights), in
 * the same 16-bit lanes, and d and dmin as floats in row order.
 *
 * <p>Per row and lane the kernel forms ggml's exact integer sum over the sub-blocks, adds it into
 * that lane's float accumulator with the same fused multiply-add, super-block after super-block,
 * reduces the 8 lanes in ggml's order and adds the min part, whose four partial sums (one per
 * pair of sub-blocks) take the same fused multiply-adds: each output has the bits of
 * {@link Q4_KFormat#dotVector}.
 *
 * <p>Batches of {@link #TILE_TOKENS} tokens or more run the same arithmetic four tokens at a
 * time, each nibble vector and scale taken apart once for the four.
 */
final class Q4_Kx16 extends PackedMatrix {
    static final int ROWS = VectorKernels.LANE_ROWS;
    private static final int HALF = ROWS / 2;
    private static final int SUB_BLOCKS = 8;
    /** Shorts per super-block of a group for one lane l (or for the scales and mins): 8 vectors. */
    private static final int VECTORS = SUB_BLOCKS * ROWS;
    /** Per thread: 8 lanes (or 4 min sums) of accumulators for the rows of a group, ROWS floats each. */
    private static final ThreadLocal<float[]> LANE_SUMS = ThreadLocal.withInitial(() -> new float[8 * ROWS]);
    /** Batches from this many tokens on take the many-token kernel ({@link #multiplyGroups}). */
    static final int TILE_TOKENS = 4;
    /** Per thread: the 8 lane sums of the rows of a group for each token of a tile. */
    private static final ThreadLocal<float[]> TILE_LANE_SUMS = ThreadLocal.withInitial(() -> new float[TILE_TOKENS * 8 * ROWS]);
    /** Per thread: a super-block's integer sums of one lane, a group's rows for each token of a tile. */
    private static final ThreadLocal<int[]> TILE_INT_SUMS = ThreadLocal.withInitial(() -> new int[TILE_TOKENS * ROWS]);

    private final short[] quants;
    /** Per super-block, sub-block and row: scale | min << 8. */
    private final short[] scalesAndMins;
    private final float[] d;
    private final float[] dmin;

    Q4_Kx16(Tensor source) {
        super(source, ROWS);
        quants = new short[arrayLength(8L * blocks * VECTORS)];
        scalesAndMins = new short[arrayLength((long) blocks * VECTORS)];
        d = new float[arrayLength((long) blocks * ROWS)];
        dmin = new float[d.length];
    }

    @Override
    public long byteSize() {
        return 2L * (quants.length + scalesAndMins.length) + 4L * (d.length + dmin.length);
    }

    @Override
    public void pack(int from, int to) {
        MemorySegment w = source.data();
        long rowBytes = source.rowBytes();
        for (int g = from; g < to; g++) {
            for (int b = 0; b < blocks; b++) {
                int superBlock = g * blocks + b;
                for (int lane16 = 0; lane16 < ROWS; lane16++) {
                    int r = VectorKernels.rowOfLane(lane16);
                    long wb = (long) (g * ROWS + r) * rowBytes + (long) b * Q4_KFormat.BYTES;
                    long packedScales = KScales.scales(w, wb + Q4_KFormat.SCALES);
                    long packedMins = KScales.mins(w, wb + Q4_KFormat.SCALES);
                    for (int s = 0; s < SUB_BLOCKS; s++) {
                        for (int l = 0; l < 8; l++) {
                            int nibbles = 0;
                            for (int j = 0; j < 4; j++) {
                                nibbles |= quant(w, wb, s, 4 * l + j) << (4 * j);
                            }
                            quants[quantsAt(g, l, b) + ROWS * s + lane16] = (short) nibbles;
                        }
                        scalesAndMins[superBlock * VECTORS + ROWS * s + lane16] =
                                (short) (KScales.get(packedScales, s) | KScales.get(packedMins, s) << 8);
                    }
                    d[superBlock * ROWS + r] = LittleEndian.half(w, wb);
                    dmin[superBlock * ROWS + r] = LittleEndian.half(w, wb + Q4_KFormat.DMIN);
                }
            }
        }
    }

    /** Index of the 8 vectors of lane {@code l}, super-block {@code b} of group {@code g}. */
    private int quantsAt(int g, int l, int b) {
        return ((g * 8 + l) * blocks + b) * VECTORS;
    }

    /** Quant {@code i} (0..31) of sub-block {@code s} of the super-block at {@code wb}. */
    private static int quant(MemorySegment w, long wb, int s, int i) {
        int q = LittleEndian.unsignedByte(w, wb + Q4_KFormat.QS + 32L * (s / 2) + i);
        return (s & 1) == 0 ? q & 0xF : q >> 4;
    }

    @Override
    void multiplyGroup(int g, MatrixInput x, int token, float[] out, int at) {
        short[] evens = x.evens;
        short[] odds = x.odds;
        float[] laneSums = LANE_SUMS.get();
        ShortVector mask = ShortVector.broadcast(VectorKernels.SHORT_ROWS, (short) 0xF);
        for (int l = 0; l < 8; l++) {
            FloatVector accLow = FloatVector.zero(VectorKernels.FLOAT_ROWS);
            FloatVector accHigh = accLow;
            for (int b = 0; b < blocks; b++) {
                int k = token * blocks + b;
                int superBlock = g * blocks + b;
                int q = quantsAt(g, l, b);
                IntVector sumLow = IntVector.zero(VectorKernels.INT_ROWS);
                IntVector sumHigh = sumLow;
                for (int s = 0; s < SUB_BLOCKS; s++) {
                    ShortVector v = ShortVector.fromArray(VectorKernels.SHORT_ROWS, quants, q + ROWS * s);
                    // values 4l..4l+3 of sub-block s: even, odd, even, odd elements of the token
                    int e = 128 * k + 16 * s + 2 * l;
                    ShortVector a0 = ShortVector.broadcast(VectorKernels.SHORT_ROWS, evens[e]);
                    ShortVector a1 = ShortVector.broadcast(VectorKernels.SHORT_ROWS, odds[e]);
                    ShortVector a2 = ShortVector.broadcast(VectorKernels.SHORT_ROWS, evens[e + 1]);
                    ShortVector a3 = ShortVector.broadcast(VectorKernels.SHORT_ROWS, odds[e + 1]);
                    // four products of at most 15 * 127 each: exact in 16 bits
                    IntVector products = v.and(mask).mul(a0).add(v.lanewise(VectorOperators.LSHR, 4).and(mask).mul(a1))
                            .add(v.lanewise(VectorOperators.LSHR, 8).and(mask).mul(a2)).add(v.lanewise(VectorOperators.LSHR, 12).mul(a3))
                            .reinterpretAsInts();
                    IntVector scale = ShortVector.fromArray(VectorKernels.SHORT_ROWS, scalesAndMins, superBlock * VECTORS + ROWS * s).reinterpretAsInts();
                    sumLow = sumLow.add(products.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(scale.and(0xFF)));
                    sumHigh = sumHigh.add(products.lanewise(VectorOperators.ASHR, 16).mul(scale.lanewise(VectorOperators.LSHR, 16).and(0xFF)));
                }
                float da = x.scales[k];
                accLow = VectorKernels.rowsToFloat(sumLow).fma(FloatVector.fromArray(VectorKernels.FLOAT_ROWS, d, superBlock * ROWS).mul(da), accLow);
                accHigh = VectorKernels.rowsToFloat(sumHigh).fma(FloatVector.fromArray(VectorKernels.FLOAT_ROWS, d, superBlock * ROWS + HALF).mul(da), accHigh);
            }
            accLow.intoArray(laneSums, ROWS * l);
            accHigh.intoArray(laneSums, ROWS * l + HALF);
        }
        reduceLanes(laneSums, 0, out, at);
    }

    /**
     * ggml's horizontal sum of 8 lane sums ({@code laneSums[base + ROWS l + r]} for row r), half
     * the rows at a time: (l0 + l4) + (l2 + l6), then (l1 + l5) + (l3 + l7), then the two added.
     */
    private static void reduceLanes(float[] laneSums, int base, float[] out, int at) {
        // two calls, not a loop: as a loop of two 512-bit passes C2 boxed its vectors
        reduceHalfOfLanes(laneSums, base, out, at);
        reduceHalfOfLanes(laneSums, base + HALF, out, at + HALF);
    }

    private static void reduceHalfOfLanes(float[] laneSums, int h, float[] out, int at) {
        FloatVector even = FloatVector.fromArray(VectorKernels.FLOAT_ROWS, laneSums, h)
                .add(FloatVector.fromArray(VectorKernels.FLOAT_ROWS, laneSums, 4 * ROWS + h))
                .add(FloatVector.fromArray(VectorKernels.FLOAT_ROWS, laneSums, 2 * ROWS + h)
                        .add(FloatVector.fromArray(VectorKernels.FLOAT_ROWS, laneSums, 6 * ROWS + h)));
        FloatVector odd = FloatVector.fromArray(VectorKernels.FLOAT_ROWS, laneSums, ROWS + h)
                .add(FloatVector.fromArray(VectorKernels.FLOAT_ROWS, laneSums, 5 * ROWS + h))
                .add(FloatVector.fromArray(VectorKernels.FLOAT_ROWS, laneSums, 3 * ROWS + h)
                        .add(FloatVector.fromArray(VectorKernels.FLOAT_ROWS, laneSums, 7 * ROWS + h)));
        even.add(odd).intoArray(out, at);
    }

    @Override
    void multiplyGroups(int firstGroup, int endGroup, MatrixInput x, float[] out, int outOffset, int outStride) {
        if (!x.hasTileQuants) {
            super.multiplyGroups(firstGroup, endGroup, x, out, outOffset, outStride);
            return;
        }
        // the scratch once per range: a thread-local lookup per group showed in profiles
        float[] laneSums = TILE_LANE_SUMS.get();
        int[] sums = TILE_INT_SUMS.get();
        int tokens = x.tokens();
        for (int g = firstGroup; g < endGroup; g++) {
            int at = outOffset + g * ROWS;
            for (int t0 = 0; t0 < tokens; t0 += TILE_TOKENS) {
                for (int l = 0; l < 8; l++) {
                    tileLane(g, l, x, t0, laneSums, sums);
                }
                for (int t = t0; t < Math.min(t0 + TILE_TOKENS, tokens); t++) {
                    reduceLanes(laneSums, (t - t0) * 8 * ROWS, out, at + t * outStride);
                    finishGroup(g, x, t, out, at + t * outStride);
                }
            }
        }
    }

    /**
     * Lane l's sums of {@link #multiplyGroup} for tokens t0..t0+3 (the last token standing in
     * past the end) into {@code laneSums[u * 8 ROWS + ROWS l + r]}; the quants from
     * {@link MatrixInput#tileQuants}.
     */
    private void tileLane(int g, int l, MatrixInput x, int t0, float[] laneSums, int[] sums) {
        int last = x.tokens() - 1;
        for (int b = 0; b < blocks; b++) {
            superBlockSums(g, l, b, x.tileQuants, t0 * x.length() + (256 * b + 4 * l) * TILE_TOKENS, sums);
            int superBlock = g * blocks + b;
            for (int u = 0; u < TILE_TOKENS; u++) {
                float da = x.scales[Math.min(t0 + u, last) * blocks + b];
                int at = u * 8 * ROWS + ROWS * l;
                for (int h = 0; h < ROWS; h += HALF) {
                    FloatVector dh = FloatVector.fromArray(VectorKernels.FLOAT_ROWS, d, superBlock * ROWS + h).mul(da);
                    VectorKernels.rowsToFloat(IntVector.fromArray(VectorKernels.INT_ROWS, sums, u * ROWS + h))
                            .fma(dh, VectorKernels.rowsOrZero(b == 0, laneSums, at + h)).intoArray(laneSums, at + h);
                }
            }
        }
    }

    /**
     * The integer sums of lane l in super-block b, the first half of the rows then the second for
     * each token of the tile, into {@code sums[ROWS u..]}; value e of the tile's token u at {@code a[at + 4 e' + u]}
     * where e' counts from value 4l of the super-block.
     */
    private void superBlockSums(int g, int l, int b, short[] a, int at, int[] sums) {
        int q = quantsAt(g, l, b);
        int scalesAt = (g * blocks + b) * VECTORS;
        IntVector low0 = IntVector.zero(VectorKernels.INT_ROWS);
        IntVector low1 = low0;
        IntVector low2 = low0;
        IntVector low3 = low0;
        IntVector high0 = low0;
        IntVector high1 = low0;
        IntVector high2 = low0;
        IntVector high3 = low0;
        for (int s = 0; s < SUB_BLOCKS; s++) {
            ShortVector v = ShortVector.fromArray(VectorKernels.SHORT_ROWS, quants, q + ROWS * s);
            ShortVector p0 = ShortVector.zero(VectorKernels.SHORT_ROWS);
            ShortVector p1 = p0;
            ShortVector p2 = p0;
            ShortVector p3 = p0;
            // value 4l + j of sub-block s is nibble j; four products of at most 15 * 127 each: exact in 16 bits
            for (int j = 0; j < 4; j++) {
                ShortVector n = VectorKernels.nibble(v, 4 * j);
                int e = at + (32 * s + j) * TILE_TOKENS;
                p0 = p0.add(n.mul(a[e]));
                p1 = p1.add(n.mul(a[e + 1]));
                p2 = p2.add(n.mul(a[e + 2]));
                p3 = p3.add(n.mul(a[e + 3]));
            }
            IntVector scale = ShortVector.fromArray(VectorKernels.SHORT_ROWS, scalesAndMins, scalesAt + ROWS * s).reinterpretAsInts();
            IntVector scaleLow = scale.and(0xFF);
            IntVector scaleHigh = scale.lanewise(VectorOperators.LSHR, 16).and(0xFF);
            // the first half of the rows in the low 16 bits of each int lane, the second in the high ones (written out:
            // as calls they took this method past C2's inlining node limit, which boxes their vectors)
            IntVector pairs0 = p0.reinterpretAsInts();
            low0 = low0.add(pairs0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(scaleLow));
            high0 = high0.add(pairs0.lanewise(VectorOperators.ASHR, 16).mul(scaleHigh));
            IntVector pairs1 = p1.reinterpretAsInts();
            low1 = low1.add(pairs1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(scaleLow));
            high1 = high1.add(pairs1.lanewise(VectorOperators.ASHR, 16).mul(scaleHigh));
            IntVector pairs2 = p2.reinterpretAsInts();
            low2 = low2.add(pairs2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(scaleLow));
            high2 = high2.add(pairs2.lanewise(VectorOperators.ASHR, 16).mul(scaleHigh));
            IntVector pairs3 = p3.reinterpretAsInts();
            low3 = low3.add(pairs3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(scaleLow));
            high3 = high3.add(pairs3.lanewise(VectorOperators.ASHR, 16).mul(scaleHigh));
        }
        low0.intoArray(sums, 0);
        high0.intoArray(sums, HALF);
        low1.intoArray(sums, ROWS);
        high1.intoArray(sums, ROWS + HALF);
        low2.intoArray(sums, 2 * ROWS);
        high2.intoArray(sums, 2 * ROWS + HALF);
        low3.intoArray(sums, 3 * ROWS);
        high3.intoArray(sums, 3 * ROWS + HALF);
    }

    /**
     * Adds the min part to the group's outputs at {@code out[at]}: per pair k of sub-blocks,
     * min_k += (-d_x * dmin) * (mins[2k] * bsums of 2k + mins[2k+1] * bsums of 2k+1) by fused
     * multiply-add, super-block after super-block; then (min_0 + min_2) + (min_1 + min_3).
     */
    @Override
    void finishGroup(int g, MatrixInput x, int token, float[] out, int at) {
        float[] pairSums = LANE_SUMS.get();
        // one loop body for the 4 pairs and both halves of the rows: C2 compiles it whole
        for (int k = 0; k < 4; k++) {
            for (int h = 0; h < 2; h++) {
                // the first half of the rows sits in the low 16 bits of each int lane, the second in the high
                int shift = 16 - 16 * h;
                FloatVector min = FloatVector.zero(VectorKernels.FLOAT_ROWS);
                for (int b = 0; b < blocks; b++) {
                    int superBlock = g * blocks + b;
                    int at2k = superBlock * VECTORS + ROWS * 2 * k;
                    // the min: the high byte of the row's short
                    IntVector first = ShortVector.fromArray(VectorKernels.SHORT_ROWS, scalesAndMins, at2k).reinterpretAsInts()
                            .lanewise(VectorOperators.LSHL, shift).lanewise(VectorOperators.LSHR, 24);
                    IntVector second = ShortVector.fromArray(VectorKernels.SHORT_ROWS, scalesAndMins, at2k + ROWS).reinterpretAsInts()
                            .lanewise(VectorOperators.LSHL, shift).lanewise(VectorOperators.LSHR, 24);
                    FloatVector scale = FloatVector.fromArray(VectorKernels.FLOAT_ROWS, dmin, superBlock * ROWS + HALF * h)
                            .mul(-x.scales[token * blocks + b]);
                    // the sums of the activation quants of sub-blocks 2k and 2k+1 (exact, as two bsums each)
                    int sums = (token * blocks + b) * SUB_BLOCKS + 2 * k;
                    IntVector term = VectorKernels.weightedSum(first, x.sums32[sums], second, x.sums32[sums + 1]);
                    min = VectorKernels.rowsToFloat(term).fma(scale, min);
                }
                min.intoArray(pairSums, ROWS * k + HALF * h);
            }
        }
        for (int h = 0; h < ROWS; h += HALF) {
            FloatVector sum = FloatVector.fromArray(VectorKernels.FLOAT_ROWS, pairSums, h)
                    .add(FloatVector.fromArray(VectorKernels.FLOAT_ROWS, pairSums, 2 * ROWS + h))
                    .add(FloatVector.fromArray(VectorKernels.FLOAT_ROWS, pairSums, ROWS + h)
                            .add(FloatVector.fromArray(VectorKernels.FLOAT_ROWS, pairSums, 3 * ROWS + h)));
            FloatVector.fromArray(VectorKernels.FLOAT_ROWS, out, at + h).add(sum).intoArray(out, at + h);
        }
    }
}
