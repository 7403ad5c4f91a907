package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * ggml block_q4_0 (18 bytes per 32 values): fp16 scale d, then 16 bytes whose low nibbles are
 * values 0..15 and high nibbles values 16..31; value = d * (q - 8). Dot partner Q8_0.
 */
final class Q4_0Format extends BlockFormat {
    static final int BLOCK = 32;
    static final int BYTES = 18;
    private static final int QS = 2;

    Q4_0Format() {
        super(GGMLType.Q4_0, GGMLType.Q8_0);
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long block = srcOffset + (long) b * BYTES;
            int y = dstOffset + b * BLOCK;
            float d = LittleEndian.half(src, block);
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = LittleEndian.unsignedByte(src, block + QS + j);
                dst[y + j] = ((q & 0xF) - 8) * d;
                dst[y + j + 16] = ((q >> 4) - 8) * d;
            }
        }
    }

    /** quantize_row_q4_0_ref: d = max / -8 where max has the largest magnitude. */
    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            int x = srcOffset + b * BLOCK;
            long block = dstOffset + (long) b * BYTES;
            float amax = 0;
            float max = 0;
            for (int j = 0; j < BLOCK; j++) {
                if (amax < Math.abs(src[x + j])) {
                    amax = Math.abs(src[x + j]);
                    max = src[x + j];
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            LittleEndian.putHalf(dst, block, d);
            for (int j = 0; j < BLOCK / 2; j++) {
                int q0 = Math.min(15, (int) (src[x + j] * id + 8.5f));
                int q1 = Math.min(15, (int) (src[x + j + 16] * id + 8.5f));
                LittleEndian.putByte(dst, block + QS + j, q0 | q1 << 4);
            }
        }
    }

    /**
     * llama.cpp repacks Q4_0 matrices (rows in groups of 8) and multiplies them with its
     * q4_0_8x8 kernels: per row, each block's exact integer sum times d_w*d_x is added with one
     * fused multiply-add, block after block.
     */
    @Override
    public float matrixDot(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n, int batchTokens) {
        int blocks = checkedBlocks(w, wOffset, a, aOffset, n);
        // Scalar integer sums for now: a vector version with a per-block lane sum boxed its vectors
        // under C2 in the decode loop (megabytes per token), which cost more than it saved.
        return repackedDotScalar(w, wOffset, a, aOffset, blocks);
    }

    @Override
    boolean hasTwoRowKernel() {
        return true;
    }

    /**
     * {@link #repackedDotScalar} of two rows with one unpacked token, into {@code out[at]} and
     * {@code out[at + distance]}. A block's integer sum is exact whatever the order, so it is
     * taken in 16-bit lanes that may wrap: the quants enter as 0..15 and 8 * (sum of the
     * activations) comes off at the end; the true sum, |sum| <= 32 * 8 * 127, fits a short, so
     * arithmetic modulo 2^16 gives it exactly.
     */
    @Override
    void dotTwoRows(MemorySegment w, long wOffset, long wRowBytes, int distance, MatrixInput x, int token, int blocks,
            float[] out, int at) {
        short[] evens = x.evens;
        short[] odds = x.odds;
        ShortVector mask = ShortVector.broadcast(VectorKernels.SHORT_128, (short) 0xF);
        // one copy of the loop for both rows: C2 keeps the vectors of a small method in registers
        for (int row = 0; row < 2; row++) {
            long rowOffset = wOffset + row * distance * wRowBytes;
            float sum = 0;
            for (int b = 0; b < blocks; b++) {
                int k = token * blocks + b;
                long wb = rowOffset + (long) b * BYTES;
                // lane i of the quants holds values 2i (bits 0-3), 2i+16 (4-7), 2i+1 (8-11), 2i+17 (12-15);
                // the shifts are written out rather than shared with the 256-bit kernels
                // (VectorKernels.nibble), which made C2 stop intrinsifying them there
                ShortVector q = VectorKernels.load16(w, wb + QS);
                short wrapped = q.and(mask).mul(ShortVector.fromArray(VectorKernels.SHORT_128, evens, 16 * k))
                        .add(q.lanewise(VectorOperators.LSHR, 4).and(mask).mul(ShortVector.fromArray(VectorKernels.SHORT_128, evens, 16 * k + 8)))
                        .add(q.lanewise(VectorOperators.LSHR, 8).and(mask).mul(ShortVector.fromArray(VectorKernels.SHORT_128, odds, 16 * k)))
                        .add(q.lanewise(VectorOperators.LSHR, 12).mul(ShortVector.fromArray(VectorKernels.SHORT_128, odds, 16 * k + 8)))
                        .reduceLanes(VectorOperators.ADD);
                sum = Math.fma((float) (short) (wrapped - 8 * x.sums32[k]), LittleEndian.half(w, wb) * x.scales[k], sum);
            }
            out[at + row * distance] = sum;
        }
    }

    static float repackedDotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_0Format.BYTES;
            sum = Math.fma((float) blockSumScalar(w, wb, a, ab), LittleEndian.half(w, wb) * LittleEndian.half(a, ab), sum);
        }
        return sum;
    }

    /** Exact integer dot of one block's quants (minus 8) with the activation block's quants. */
    static int blockSumScalar(MemorySegment w, long wb, MemorySegment a, long ab) {
        int sumi = 0;
        for (int j = 0; j < BLOCK / 2; j++) {
            int q = LittleEndian.unsignedByte(w, wb + QS + j);
            sumi += ((q & 0xF) - 8) * LittleEndian.signedByte(a, ab + 2 + j);
            sumi += ((q >> 4) - 8) * LittleEndian.signedByte(a, ab + 2 + j + 16);
        }
        return sumi;
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        return VectorKernels.ENABLED
                ? dotVector(w, wOffset, a, aOffset, blocks)
                : dotScalar(w, wOffset, a, aOffset, blocks);
    }

    static float dotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_0Format.BYTES;
            sum += blockSumScalar(w, wb, a, ab) * (LittleEndian.half(w, wb) * LittleEndian.half(a, ab));
        }
        return sum;
    }

    /**
     * ggml's AVX2 kernel on 128-bit vectors: the 16 quant bytes as 8 shorts (lane i holds values
     * 2i, 2i+1 in its low nibbles and 2i+16, 2i+17 in its high nibbles); values 0..15 feed float
     * lanes 0..3, values 16..31 lanes 4..7, as ggml lays out its 8 accumulator lanes.
     */
    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        FloatVector low = FloatVector.zero(VectorKernels.FLOAT_128);
        FloatVector high = FloatVector.zero(VectorKernels.FLOAT_128);
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_0Format.BYTES;
            ShortVector quants = VectorKernels.load16(w, wb + QS);
            FloatVector d = FloatVector.broadcast(VectorKernels.FLOAT_128, LittleEndian.half(w, wb) * LittleEndian.half(a, ab));
            // half 0: low nibbles with activation bytes 0..15 into low; half 1: high nibbles with
            // bytes 16..31 into high (the two swap each time: one copy of the code for C2 to inline)
            for (int half = 0; half < 2; half++) {
                ShortVector act = VectorKernels.load16(a, ab + 2 + 16 * half);
                ShortVector products = ShortVector.zero(VectorKernels.SHORT_128);
                for (int p = 0; p < 2; p++) {
                    ShortVector quant = VectorKernels.nibble(quants, 4 * half + 8 * p).sub((short) 8);
                    products = products.add(quant.mul(VectorKernels.signedByte(act, p)));
                }
                IntVector sums = VectorKernels.pairSums(products);
                FloatVector updated = VectorKernels.toFloat(sums).fma(d, low);
                low = high;
                high = updated;
            }
        }
        return VectorKernels.sum(low, high);
    }
}
