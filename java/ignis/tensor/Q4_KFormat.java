package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

import java.lang.foreign.MemorySegment;

/**
 * ggml block_q4_K (144 bytes per 256 values): fp16 d, fp16 dmin, 12 bytes of 6-bit scales and
 * mins ({@link KScales}), then 128 bytes of nibbles: byte 32c+l holds value 64c+l (low nibble,
 * sub-block 2c) and value 64c+32+l (high nibble, sub-block 2c+1).
 * Value = d * scale[s] * q - dmin * min[s]. Dot partner Q8_K.
 */
final class Q4_KFormat extends BlockFormat {
    static final int BLOCK = 256;
    static final int BYTES = 144;
    static final int DMIN = 2;
    static final int SCALES = 4;
    static final int QS = 16;

    Q4_KFormat() {
        super(GGMLType.Q4_K, GGMLType.Q8_K);
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long block = srcOffset + (long) b * BYTES;
            int y = dstOffset + b * BLOCK;
            float d = LittleEndian.half(src, block);
            float dmin = LittleEndian.half(src, block + DMIN);
            long scales = KScales.scales(src, block + SCALES);
            long mins = KScales.mins(src, block + SCALES);
            for (int c = 0; c < 4; c++) {
                float d1 = d * KScales.get(scales, 2 * c);
                float m1 = dmin * KScales.get(mins, 2 * c);
                float d2 = d * KScales.get(scales, 2 * c + 1);
                float m2 = dmin * KScales.get(mins, 2 * c + 1);
                for (int l = 0; l < 32; l++) {
                    int q = LittleEndian.unsignedByte(src, block + QS + 32 * c + l);
                    dst[y + 64 * c + l] = d1 * (q & 0xF) - m1;
                    dst[y + 64 * c + 32 + l] = d2 * (q >> 4) - m2;
                }
            }
        }
    }

    /** quantize_row_q4_K_ref (no importance matrix). */
    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        int[] levels = new int[BLOCK];
        for (int b = 0; b < blocks; b++) {
            long block = dstOffset + (long) b * BYTES;
            QuantFit.fitScaleMinSuperBlock(src, srcOffset + b * BLOCK, 15, -1f, 0.1f, 20, dst, block, levels);
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) {
                    LittleEndian.putByte(dst, block + QS + 32 * c + l, levels[64 * c + l] | levels[64 * c + 32 + l] << 4);
                }
            }
        }
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        return VectorKernels.ENABLED
                ? dotVector(w, wOffset, a, aOffset, blocks)
                : dotScalar(w, wOffset, a, aOffset, blocks);
    }

    /** The plain version: per super-block the exact integer sums, d * sum - dmin * min term in float. */
    static float dotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        return KScales.scalarDot(w, wOffset, a, aOffset, blocks, BYTES, Q4_KFormat::scaledSumsScalar);
    }

    /**
     * ggml_vec_dot_q4_K_q8_K as llama.cpp's AVX2 build runs it, bit for bit: per super-block the
     * 8 int lanes of scaled sums (lane k: values 4k..4k+3 of each 32) go into 8 float
     * accumulators by fused multiply-add; the min terms into 4 more (one per pair of
     * sub-blocks, {@link #minSum}, taken in a pass of their own); both are reduced in ggml's order.
     *
     * <p>The super-block body stays in this method: C2 boxes vectors passed to or returned from
     * a method it did not inline, and it will not inline one it compiled on its own first.
     */
    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        FloatVector acc = FloatVector.zero(VectorKernels.FLOAT_256);
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_KFormat.BYTES;
            float da = a.get(LittleEndian.FLOAT, ab);
            long scales = KScales.scales(w, wb + SCALES);
            IntVector sumi = IntVector.zero(VectorKernels.INT_256);
            for (int c = 0; c < 4; c++) {
                ShortVector quants = VectorKernels.load32(w, wb + QS + 32 * c);
                for (int half = 0; half < 2; half++) {
                    ShortVector act = VectorKernels.load32(a, ab + Q8_KFormat.QS + 64 * c + 32 * half);
                    ShortVector products = ShortVector.zero(VectorKernels.SHORT_256);
                    for (int p = 0; p < 2; p++) {
                        products = products.add(VectorKernels.nibble(quants, 4 * half + 8 * p).mul(VectorKernels.signedByte(act, p)));
                    }
                    sumi = sumi.add(VectorKernels.pairSums(products).mul(KScales.get(scales, 2 * c + half)));
                }
            }
            float d = da * LittleEndian.half(w, wb);
            acc = VectorKernels.toFloat(sumi).fma(FloatVector.broadcast(VectorKernels.FLOAT_256, d), acc);
        }
        return VectorKernels.sum(acc) + minSum(w, wOffset, a, aOffset, blocks);
    }

    @Override
    boolean hasTwoRowKernel() {
        return true;
    }

    /**
     * {@link #dotVector} of two rows with one unpacked token, into {@code out[at]}
     * and {@code out[at + distance]}: the same lanes, fused multiply-adds and reductions. The rows go
     * through one copy of the loop: C2 stops inlining (and boxes the vectors) in a method with two.
     */
    @Override
    void dotTwoRows(MemorySegment w, long wOffset, long wRowBytes, int distance, MatrixInput x, int token, int blocks,
            float[] out, int at) {
        short[] evens = x.evens;
        short[] odds = x.odds;
        long aOffset = token * x.rowBytes();
        for (int row = 0; row < 2; row++) {
            long rowOffset = wOffset + row * distance * wRowBytes;
            FloatVector acc = FloatVector.zero(VectorKernels.FLOAT_256);
            for (int b = 0; b < blocks; b++) {
                int k = token * blocks + b;
                long wb = rowOffset + (long) b * BYTES;
                long scales = KScales.scales(w, wb + SCALES);
                IntVector sumi = IntVector.zero(VectorKernels.INT_256);
                for (int c = 0; c < 4; c++) {
                    ShortVector quants = VectorKernels.load32(w, wb + QS + 32 * c);
                    for (int half = 0; half < 2; half++) {
                        int at16 = 128 * k + 32 * c + 16 * half;
                        ShortVector products = VectorKernels.nibble(quants, 4 * half).mul(ShortVector.fromArray(VectorKernels.SHORT_256, evens, at16))
                                .add(VectorKernels.nibble(quants, 4 * half + 8).mul(ShortVector.fromArray(VectorKernels.SHORT_256, odds, at16)));
                        sumi = sumi.add(VectorKernels.pairSums(products).mul(KScales.get(scales, 2 * c + half)));
                    }
                }
                acc = VectorKernels.toFloat(sumi).fma(FloatVector.broadcast(VectorKernels.FLOAT_256, x.scales[k] * LittleEndian.half(w, wb)), acc);
            }
            out[at + row * distance] = VectorKernels.sum(acc) + minSum(w, rowOffset, x.rows(), aOffset, blocks);
        }
    }

    /**
     * The min part of a Q4_K row's dot, in ggml's order: four partial sums (one per pair of
     * sub-blocks, rotating), each -d_a * dmin * min term added by fused multiply-add, summed as
     * (0 + 2) + (1 + 3).
     */
    static float minSum(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        float min0 = 0;
        float min1 = 0;
        float min2 = 0;
        float min3 = 0;
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_KFormat.BYTES;
            float dmin = -a.get(LittleEndian.FLOAT, ab) * LittleEndian.half(w, wb + DMIN);
            long mins = KScales.mins(w, wb + SCALES);
            for (int k = 0; k < 4; k++) {
                float next = min1;
                min1 = min2;
                min2 = min3;
                min3 = Math.fma(dmin, (float) KScales.minPairTerm(mins, a, ab, k), min0);
                min0 = next;
            }
        }
        return (min0 + min2) + (min1 + min3);
    }

    /** Sum over the 8 sub-blocks of scale * (dot of the 4-bit quants with the activation quants). */
    static int scaledSumsScalar(MemorySegment w, long wb, MemorySegment a, long ab, long scales) {
        int sumi = 0;
        for (int c = 0; c < 4; c++) {
            int low = 0;
            int high = 0;
            for (int l = 0; l < 32; l++) {
                int q = LittleEndian.unsignedByte(w, wb + QS + 32 * c + l);
                low += (q & 0xF) * LittleEndian.signedByte(a, ab + Q8_KFormat.QS + 64 * c + l);
                high += (q >> 4) * LittleEndian.signedByte(a, ab + Q8_KFormat.QS + 64 * c + 32 + l);
            }
            sumi += KScales.get(scales, 2 * c) * low + KScales.get(scales, 2 * c + 1) * high;
        }
        return sumi;
    }
}
