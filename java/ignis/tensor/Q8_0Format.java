package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * ggml block_q8_0 (34 bytes per 32 values): fp16 scale d, then 32 int8 quants; value = d * q.
 * Both a weight format and the activation format of Q4_0, Q5_0 and Q8_0.
 */
final class Q8_0Format extends BlockFormat {
    static final int BLOCK = 32;
    static final int BYTES = 34;
    private static final int QS = 2;
    /** From this many tokens on, {@link #multiplyRows} takes the float kernel ({@link #multiplyTile}). */
    static final int PREFILL_TOKENS = 3;
    /** Weight rows per chunk ({@link #multiplyRows}): 16 rows of 768 values take 13 KB. */
    static final int ROW_CHUNK = 16;
    /** Per thread: the lanes of four accumulators, reduced in scalar code. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[32]);

    Q8_0Format() {
        super(GGMLType.Q8_0, GGMLType.Q8_0);
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long block = srcOffset + (long) b * BYTES;
            float d = LittleEndian.half(src, block);
            for (int j = 0; j < BLOCK; j++) {
                dst[dstOffset + b * BLOCK + j] = LittleEndian.signedByte(src, block + QS + j) * d;
            }
        }
    }

    /**
     * Quantizes as llama.cpp's x86 build quantizes activations (quantize_row_q8_0, AVX2 path):
     * multiplier 127/amax and round-half-to-even. (ggml's reference differs in the last bit of
     * rare values; both produce valid blocks.)
     */
    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            int x = srcOffset + b * BLOCK;
            long block = dstOffset + (long) b * BYTES;
            float amax = absMax(src, x, BLOCK);
            LittleEndian.putHalf(dst, block, amax / 127f);
            putQuants(src, x, amax, dst, block + QS);
        }
    }

    static float absMax(float[] src, int offset, int n) {
        float amax = 0;
        for (int j = 0; j < n; j++) {
            amax = Math.max(amax, Math.abs(src[offset + j]));
        }
        return amax;
    }

    /**
     * Writes the 32 quants round-half-even(x * 127/amax) at {@code qsOffset}, as the AVX path
     * of llama.cpp does (_mm256_round_ps then saturating packs), and returns their sum.
     */
    static int putQuants(float[] src, int offset, float amax, MemorySegment dst, long qsOffset) {
        float id = amax != 0 ? 127f / amax : 0f;
        int sum = 0;
        for (int j = 0; j < BLOCK; j++) {
            int q = (int) Math.rint(src[offset + j] * id);
            q = Math.max(-128, Math.min(127, q));
            LittleEndian.putByte(dst, qsOffset + j, q);
            sum += q;
        }
        return sum;
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
            long ab = aOffset + (long) b * BYTES;
            int sumi = 0;
            for (int j = 0; j < BLOCK; j++) {
                sumi += LittleEndian.signedByte(w, wb + QS + j) * LittleEndian.signedByte(a, ab + QS + j);
            }
            sum += sumi * (LittleEndian.half(w, wb) * LittleEndian.half(a, ab));
        }
        return sum;
    }

    @Override
    boolean hasTwoRowKernel() {
        return true;
    }

    /**
     * {@link #dotVector} of two rows with one unpacked token, into {@code out[at]} and {@code out[at + distance]}: the same lanes, the
     * same fused multiply-adds, the same reduction, with the activation side unpacked already.
     */
    @Override
    void dotTwoRows(MemorySegment w, long wOffset, long wRowBytes, int distance, MatrixInput x, int token, int blocks,
            float[] out, int at) {
        int firstBlock = token * blocks;
        FloatVector acc0 = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector acc1 = acc0;
        short[] evens = x.evens;
        short[] odds = x.odds;
        float[] scales = x.scales;
        for (int b = 0; b < blocks; b++) {
            int k = firstBlock + b;
            ShortVector even = ShortVector.fromArray(VectorKernels.SHORT_256, evens, k * 16);
            ShortVector odd = ShortVector.fromArray(VectorKernels.SHORT_256, odds, k * 16);
            float scale = scales[k];
            long wb0 = wOffset + (long) b * BYTES;
            long wb1 = wb0 + distance * wRowBytes;
            acc0 = VectorKernels.toFloat(VectorKernels.dotUnpacked(VectorKernels.load32(w, wb0 + QS), even, odd))
                    .fma(FloatVector.broadcast(VectorKernels.FLOAT_256, LittleEndian.half(w, wb0) * scale), acc0);
            acc1 = VectorKernels.toFloat(VectorKernels.dotUnpacked(VectorKernels.load32(w, wb1 + QS), even, odd))
                    .fma(FloatVector.broadcast(VectorKernels.FLOAT_256, LittleEndian.half(w, wb1) * scale), acc1);
        }
        out[at] = VectorKernels.sum(acc0);
        out[at + distance] = VectorKernels.sum(acc1);
    }

    /**
     * For several tokens: the quants as floats. Byte products and their sums of four are
     * integers below 2^24, so float lanes hold exactly the int lanes of {@link #dotVector}; the
     * per-block fused multiply-add and the reduction are the same, so are the bits. Activations
     * are converted once per input ({@link MatrixInput#quantFloats}), a weight block once per four
     * tokens. Four tokens' activations (128 bytes a block each) and a chunk of weight rows stay
     * in the L1 cache while every row of the chunk passes over those tokens.
     */
    @Override
    public void multiplyRows(MemorySegment w, long wRowBytes, int rowStart, int rowEnd, MatrixInput x,
            float[] out, int outOffset, int outStride) {
        if (!x.hasQuantFloats || rowStart >= rowEnd) {
            super.multiplyRows(w, wRowBytes, rowStart, rowEnd, x, out, outOffset, outStride);
            return;
        }
        int tokens = x.tokens();
        int blocks = checkedBlocks(w, rowStart * wRowBytes, x.rows(), 0, x.length());
        checkedBlocks(w, (rowEnd - 1) * wRowBytes, x.rows(), (tokens - 1) * x.rowBytes(), x.length());
        float[] lanes = LANES.get();
        for (int chunk = rowStart; chunk < rowEnd; chunk += ROW_CHUNK) {
            for (int t0 = 0; t0 < tokens; t0 += 4) {
                multiplyTile(w, wRowBytes, chunk, Math.min(chunk + ROW_CHUNK, rowEnd), blocks, t0, tokens, x.quantFloats,
                        x.scales, lanes, out, outOffset, outStride);
            }
        }
    }

    /**
     * Rows {@code [rowStart, rowEnd)} times tokens {@code t0..t0+3} (where fewer are left, the
     * last token stands in for the missing ones and its outputs are written more than once):
     * {@code out[outOffset + t * stride + r]}.
     */
    private static void multiplyTile(MemorySegment w, long wRowBytes, int rowStart, int rowEnd, int blocks, int t0,
            int tokens, float[] a, float[] aScales, float[] lanes, float[] out, int outOffset, int stride) {
        int k0 = t0 * blocks;
        int k1 = Math.min(t0 + 1, tokens - 1) * blocks;
        int k2 = Math.min(t0 + 2, tokens - 1) * blocks;
        int k3 = Math.min(t0 + 3, tokens - 1) * blocks;
        for (int r = rowStart; r < rowEnd; r++) {
            long row = r * wRowBytes;
            FloatVector acc0 = FloatVector.zero(VectorKernels.FLOAT_256);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            for (int b = 0; b < blocks; b++) {
                long block = row + (long) b * BYTES;
                FloatVector dw = FloatVector.broadcast(VectorKernels.FLOAT_256, LittleEndian.half(w, block));
                // lane l holds elements 4l..4l+3; byte j of it is element 4l + j
                IntVector q = IntVector.fromMemorySegment(VectorKernels.INT_256, w, block + QS, LittleEndian.ORDER);
                FloatVector w0 = VectorKernels.toFloat(q.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24));
                FloatVector w1 = VectorKernels.toFloat(q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24));
                FloatVector w2 = VectorKernels.toFloat(q.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24));
                FloatVector w3 = VectorKernels.toFloat(q.lanewise(VectorOperators.ASHR, 24));
                int k = k0 + b;
                int i = k * BLOCK;
                acc0 = w3.fma(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i + 24),
                        w2.fma(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i + 16),
                        w1.fma(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i + 8),
                        w0.mul(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i)))))
                        .fma(dw.mul(FloatVector.broadcast(VectorKernels.FLOAT_256, aScales[k])), acc0);
                k = k1 + b;
                i = k * BLOCK;
                acc1 = w3.fma(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i + 24),
                        w2.fma(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i + 16),
                        w1.fma(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i + 8),
                        w0.mul(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i)))))
                        .fma(dw.mul(FloatVector.broadcast(VectorKernels.FLOAT_256, aScales[k])), acc1);
                k = k2 + b;
                i = k * BLOCK;
                acc2 = w3.fma(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i + 24),
                        w2.fma(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i + 16),
                        w1.fma(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i + 8),
                        w0.mul(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i)))))
                        .fma(dw.mul(FloatVector.broadcast(VectorKernels.FLOAT_256, aScales[k])), acc2);
                k = k3 + b;
                i = k * BLOCK;
                acc3 = w3.fma(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i + 24),
                        w2.fma(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i + 16),
                        w1.fma(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i + 8),
                        w0.mul(FloatVector.fromArray(VectorKernels.FLOAT_256, a, i)))))
                        .fma(dw.mul(FloatVector.broadcast(VectorKernels.FLOAT_256, aScales[k])), acc3);
            }
            // reduced in scalar code: four more vector reductions would take this method past
            // C2's node-count cutoff, which then boxes their vectors
            acc0.intoArray(lanes, 0);
            acc1.intoArray(lanes, 8);
            acc2.intoArray(lanes, 16);
            acc3.intoArray(lanes, 24);
            for (int u = 3; u >= 0; u--) {
                out[outOffset + Math.min(t0 + u, tokens - 1) * stride + r] = sumLikeGgml(lanes, 8 * u);
            }
        }
    }

    /** {@link VectorKernels#sum} of the 8 lanes at {@code lanes[at]}: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). */
    private static float sumLikeGgml(float[] lanes, int at) {
        return ((lanes[at] + lanes[at + 4]) + (lanes[at + 2] + lanes[at + 6]))
                + ((lanes[at + 1] + lanes[at + 5]) + (lanes[at + 3] + lanes[at + 7]));
    }

    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        FloatVector acc = FloatVector.zero(VectorKernels.FLOAT_256);
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * BYTES;
            IntVector sumi = VectorKernels.dotBytes(VectorKernels.load32(w, wb + QS), VectorKernels.load32(a, ab + QS));
            float d = LittleEndian.half(w, wb) * LittleEndian.half(a, ab);
            acc = VectorKernels.toFloat(sumi).fma(FloatVector.broadcast(VectorKernels.FLOAT_256, d), acc);
        }
        return VectorKernels.sum(acc);
    }
}
