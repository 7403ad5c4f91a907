package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_K rows in groups of 16, one row per 16-bit lane as in {@link Q4_0x16}. ggml's AVX2 q4_K
 * kernel keeps 8 float lanes per row (lane l: values 4l..4l+3 of every 32-value sub-block), so
 * the group is laid out lane-major: for each lane l, for each super-block, for each sub-block s
 * one 32-byte vector whose 16-bit lane holds a row's values 4l..4l+3 of sub-block s as nibbles;
 * then per super-block and sub-block the 16 rows' 6-bit scales as ints, the rows' d as floats,
 * and the same for the mins and dmin. Lanes 2k and 2k+1 hold rows k and 8+k; the per-row values
 * are in row order.
 *
 * <p>Per row and lane the kernel forms ggml's exact integer sum over the sub-blocks, adds it into
 * that lane's float accumulator with the same fused multiply-add, super-block after super-block,
 * reduces the 8 lanes in ggml's order and adds the min part, whose four partial sums (one per
 * pair of sub-blocks) take the same fused multiply-adds: each output has the bits of
 * {@link Q4_KFormat#dotVector}.
 */
final class Q4_Kx16 extends PackedMatrix {
    static final int ROWS = 16;
    private static final int SUB_BLOCKS = 8;
    private static final int VECTOR_BYTES = 32;
    /** Scales (or mins) of one super-block: 8 sub-blocks x 16 ints. */
    private static final int SCALE_BYTES = SUB_BLOCKS * ROWS * Integer.BYTES;
    private static final int ROW_FLOATS_BYTES = ROWS * Float.BYTES;
    /** Per thread: each lane's accumulators for the 16 rows of a group, lane l at [16 l, 16 l + 16). */
    private static final ThreadLocal<float[]> LANE_SUMS = ThreadLocal.withInitial(() -> new float[8 * ROWS]);

    private final int blocks;
    private final long scalesOffset;
    private final long scalesDOffset;
    private final long minsOffset;
    private final long minsDOffset;

    Q4_Kx16(Tensor source) {
        super(source, ROWS, groupBytes(source.rowLength() / Q4_KFormat.BLOCK));
        this.blocks = source.rowLength() / Q4_KFormat.BLOCK;
        this.scalesOffset = 8L * blocks * SUB_BLOCKS * VECTOR_BYTES;
        this.scalesDOffset = scalesOffset + (long) blocks * SCALE_BYTES;
        this.minsOffset = scalesDOffset + (long) blocks * ROW_FLOATS_BYTES;
        this.minsDOffset = minsOffset + (long) blocks * SCALE_BYTES;
    }

    private static long groupBytes(int blocks) {
        return (long) blocks * (8 * SUB_BLOCKS * VECTOR_BYTES + 2 * (SCALE_BYTES + ROW_FLOATS_BYTES));
    }

    private static int rowOfLane(int s) {
        return (s & 1) == 0 ? s / 2 : 8 + s / 2;
    }

    private long quantsAt(long group, int lane, int b, int s) {
        return group + (((long) lane * blocks + b) * SUB_BLOCKS + s) * VECTOR_BYTES;
    }

    @Override
    public void pack(int from, int to) {
        MemorySegment w = source.data();
        long rowBytes = source.rowBytes();
        for (int g = from; g < to; g++) {
            long group = g * groupBytes;
            for (int b = 0; b < blocks; b++) {
                for (int lane16 = 0; lane16 < ROWS; lane16++) {
                    int r = rowOfLane(lane16);
                    long wb = (long) (g * ROWS + r) * rowBytes + (long) b * Q4_KFormat.BYTES;
                    long scales = KScales.scales(w, wb + Q4_KFormat.SCALES);
                    long mins = KScales.mins(w, wb + Q4_KFormat.SCALES);
                    for (int s = 0; s < SUB_BLOCKS; s++) {
                        for (int l = 0; l < 8; l++) {
                            int nibbles = 0;
                            for (int j = 0; j < 4; j++) {
                                nibbles |= quant(w, wb, s, 4 * l + j) << (4 * j);
                            }
                            packed.set(LittleEndian.SHORT, quantsAt(group, l, b, s) + 2L * lane16, (short) nibbles);
                        }
                        long perRow = (long) b * SCALE_BYTES + (s * ROWS + r) * 4L;
                        packed.set(LittleEndian.INT, group + scalesOffset + perRow, KScales.get(scales, s));
                        packed.set(LittleEndian.INT, group + minsOffset + perRow, KScales.get(mins, s));
                    }
                    packed.set(LittleEndian.FLOAT, group + scalesDOffset + (b * ROWS + r) * 4L, LittleEndian.half(w, wb));
                    packed.set(LittleEndian.FLOAT, group + minsDOffset + (b * ROWS + r) * 4L, LittleEndian.half(w, wb + Q4_KFormat.DMIN));
                }
            }
        }
    }

    /** Quant {@code i} (0..31) of sub-block {@code s} of the super-block at {@code wb}. */
    private static int quant(MemorySegment w, long wb, int s, int i) {
        int q = LittleEndian.unsignedByte(w, wb + Q4_KFormat.QS + 32L * (s / 2) + i);
        return (s & 1) == 0 ? q & 0xF : q >> 4;
    }

    @Override
    void multiplyGroup(long groupOffset, int blocks, MatrixInput x, int token, float[] out, int at) {
        short[] evens = x.evens;
        short[] odds = x.odds;
        short[] splat = x.splat();
        MemorySegment p = packed;
        float[] laneSums = LANE_SUMS.get();
        ShortVector mask = ShortVector.broadcast(VectorKernels.SHORT_256, (short) 0xF);
        for (int l = 0; l < 8; l++) {
            FloatVector accLow = FloatVector.zero(VectorKernels.FLOAT_256);
            FloatVector accHigh = accLow;
            for (int b = 0; b < blocks; b++) {
                int k = token * blocks + b;
                IntVector sumLow = IntVector.zero(VectorKernels.INT_256);
                IntVector sumHigh = sumLow;
                long scales = groupOffset + scalesOffset + (long) b * SCALE_BYTES;
                for (int s = 0; s < SUB_BLOCKS; s++) {
                    ShortVector v = VectorKernels.load32(p, quantsAt(groupOffset, l, b, s));
                    // values 4l..4l+3 of sub-block s: even, odd, even, odd elements of the token
                    int e = 128 * k + 16 * s + 2 * l;
                    ShortVector a0 = splat != null ? ShortVector.fromArray(VectorKernels.SHORT_256, splat, 32 * e) : ShortVector.broadcast(VectorKernels.SHORT_256, evens[e]);
                    ShortVector a1 = splat != null ? ShortVector.fromArray(VectorKernels.SHORT_256, splat, 32 * e + 16) : ShortVector.broadcast(VectorKernels.SHORT_256, odds[e]);
                    ShortVector a2 = splat != null ? ShortVector.fromArray(VectorKernels.SHORT_256, splat, 32 * e + 32) : ShortVector.broadcast(VectorKernels.SHORT_256, evens[e + 1]);
                    ShortVector a3 = splat != null ? ShortVector.fromArray(VectorKernels.SHORT_256, splat, 32 * e + 48) : ShortVector.broadcast(VectorKernels.SHORT_256, odds[e + 1]);
                    // four products of at most 15 * 127 each: exact in 16 bits
                    IntVector products = v.and(mask).mul(a0).add(v.lanewise(VectorOperators.LSHR, 4).and(mask).mul(a1))
                            .add(v.lanewise(VectorOperators.LSHR, 8).and(mask).mul(a2)).add(v.lanewise(VectorOperators.LSHR, 12).mul(a3))
                            .reinterpretAsInts();
                    long scale = scales + (long) s * ROWS * Integer.BYTES;
                    sumLow = sumLow.add(products.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .mul(IntVector.fromMemorySegment(VectorKernels.INT_256, p, scale, LittleEndian.ORDER)));
                    sumHigh = sumHigh.add(products.lanewise(VectorOperators.ASHR, 16)
                            .mul(IntVector.fromMemorySegment(VectorKernels.INT_256, p, scale + 32, LittleEndian.ORDER)));
                }
                float da = x.scales[k];
                long d = groupOffset + scalesDOffset + (long) b * ROWS * Float.BYTES;
                accLow = VectorKernels.toFloat(sumLow).fma(FloatVector.fromMemorySegment(VectorKernels.FLOAT_256, p, d, LittleEndian.ORDER).mul(da), accLow);
                accHigh = VectorKernels.toFloat(sumHigh).fma(FloatVector.fromMemorySegment(VectorKernels.FLOAT_256, p, d + 32, LittleEndian.ORDER).mul(da), accHigh);
            }
            accLow.intoArray(laneSums, ROWS * l);
            accHigh.intoArray(laneSums, ROWS * l + 8);
        }
        // ggml's horizontal sum of the 8 lanes, 8 rows at a time: (l0 + l4) + (l2 + l6), then
        // (l1 + l5) + (l3 + l7), then the two added
        for (int h = 0; h < ROWS; h += 8) {
            FloatVector even = FloatVector.fromArray(VectorKernels.FLOAT_256, laneSums, h)
                    .add(FloatVector.fromArray(VectorKernels.FLOAT_256, laneSums, 4 * ROWS + h))
                    .add(FloatVector.fromArray(VectorKernels.FLOAT_256, laneSums, 2 * ROWS + h)
                            .add(FloatVector.fromArray(VectorKernels.FLOAT_256, laneSums, 6 * ROWS + h)));
            FloatVector odd = FloatVector.fromArray(VectorKernels.FLOAT_256, laneSums, ROWS + h)
                    .add(FloatVector.fromArray(VectorKernels.FLOAT_256, laneSums, 5 * ROWS + h))
                    .add(FloatVector.fromArray(VectorKernels.FLOAT_256, laneSums, 3 * ROWS + h)
                            .add(FloatVector.fromArray(VectorKernels.FLOAT_256, laneSums, 7 * ROWS + h)));
            even.add(odd).intoArray(out, at + h);
        }
    }

    /**
     * Adds the min part to the 16 outputs at {@code out[at]}: per pair k of sub-blocks,
     * min_k += (-d_x * dmin) * (mins[2k] * bsums of 2k + mins[2k+1] * bsums of 2k+1) by fused
     * multiply-add, super-block after super-block; then (min_0 + min_2) + (min_1 + min_3).
     */
    @Override
    void finishGroup(long groupOffset, int blocks, MatrixInput x, int token, float[] out, int at) {
        MemorySegment p = packed;
        MemorySegment a = x.rows();
        long aOffset = token * x.rowBytes();
        float[] pairSums = LANE_SUMS.get();
        // one loop body for the 4 pairs and both halves of the rows: C2 compiles it whole
        for (int k = 0; k < 4; k++) {
            for (int h = 0; h < ROWS; h += 8) {
                FloatVector min = FloatVector.zero(VectorKernels.FLOAT_256);
                for (int b = 0; b < blocks; b++) {
                    long ab = aOffset + (long) b * Q8_KFormat.BYTES;
                    // the mins of sub-block s for these 8 rows lie at mins + 64 s
                    long mins = groupOffset + minsOffset + (long) b * SCALE_BYTES + 4L * h;
                    FloatVector dmin = FloatVector.fromMemorySegment(VectorKernels.FLOAT_256, p,
                            groupOffset + minsDOffset + (long) b * ROW_FLOATS_BYTES + 4L * h, LittleEndian.ORDER)
                            .mul(-x.scales[token * blocks + b]);
                    IntVector term = VectorKernels.weightedSum(VectorKernels.loadInts(p, mins + 128L * k), bsums(a, ab, 2 * k),
                            VectorKernels.loadInts(p, mins + 128L * k + 64), bsums(a, ab, 2 * k + 1));
                    min = VectorKernels.toFloat(term).fma(dmin, min);
                }
                min.intoArray(pairSums, ROWS * k + h);
            }
        }
        for (int h = 0; h < ROWS; h += 8) {
            FloatVector mins = FloatVector.fromArray(VectorKernels.FLOAT_256, pairSums, h)
                    .add(FloatVector.fromArray(VectorKernels.FLOAT_256, pairSums, 2 * ROWS + h))
                    .add(FloatVector.fromArray(VectorKernels.FLOAT_256, pairSums, ROWS + h)
                            .add(FloatVector.fromArray(VectorKernels.FLOAT_256, pairSums, 3 * ROWS + h)));
            FloatVector.fromArray(VectorKernels.FLOAT_256, out, at + h).add(mins).intoArray(out, at + h);
        }
    }

    /** Sum of the activation quants of sub-block {@code s} (two bsums of 16). */
    private static int bsums(MemorySegment a, long ab, int s) {
        return Q8_KFormat.bsum(a, ab, 2 * s) + Q8_KFormat.bsum(a, ab, 2 * s + 1);
    }
}
