package ignis.tensor;

import jdk.incubator.vector.ByteVector;
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
    /** From this many tokens on, packed Q8_0, Q5_0 and Q4_1 matrices take a batch kernel of {@link Q8_0x16} (16-bit token pairs on 512-bit hosts, floats from {@link Q8_0x16#FLOAT_TOKENS} tokens). */
    static final int PREFILL_TOKENS = 3;

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

    /** The largest |value| of {@code src[offset..offset+n)} (NaN if one is NaN, as Math.max). */
    static float absMax(float[] src, int offset, int n) {
        if (VectorKernels.ENABLED && n == BLOCK) {
            FloatVector a = load(src, offset).abs().max(load(src, offset + 8).abs());
            FloatVector b = load(src, offset + 16).abs().max(load(src, offset + 24).abs());
            return a.max(b).reduceLanes(VectorOperators.MAX);
        }
        return absMaxScalar(src, offset, n);
    }

    static float absMaxScalar(float[] src, int offset, int n) {
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
        return VectorKernels.ENABLED && Float.isFinite(amax)
                ? putQuantsVector(src, offset, amax, dst, qsOffset)
                : putQuantsScalar(src, offset, amax, dst, qsOffset);
    }

    static int putQuantsScalar(float[] src, int offset, float amax, MemorySegment dst, long qsOffset) {
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

    /**
     * {@link #putQuantsScalar} 8 values at a time, for a finite amax: every |x * id| is then at
     * most 127 (plus rounding), so adding and taking off 1.5 * 2^23 rounds it half to even as
     * rint does, and no quant needs clamping.
     */
    private static int putQuantsVector(float[] src, int offset, float amax, MemorySegment dst, long qsOffset) {
        float id = amax != 0 ? 127f / amax : 0f;
        IntVector sum = IntVector.zero(VectorKernels.INT_256);
        for (int j = 0; j < BLOCK; j += 8) {
            FloatVector x = load(src, offset + j).mul(id).add(ROUNDING).sub(ROUNDING);
            IntVector q = (IntVector) x.convert(VectorOperators.F2I, 0);
            q.convertShape(VectorOperators.I2B, ByteVector.SPECIES_64, 0).reinterpretAsBytes()
                    .intoMemorySegment(dst, qsOffset + j, LittleEndian.ORDER);
            sum = sum.add(q);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /** 1.5 * 2^23: x + it - it is x rounded to an integer, half to even, for |x| < 2^22. */
    private static final float ROUNDING = 12582912f;

    private static FloatVector load(float[] src, int offset) {
        return FloatVector.fromArray(VectorKernels.FLOAT_256, src, offset);
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
     * {@link #dotVector} of two rows with one unpacked token, into {@code out[at]} and
     * {@code out[at + distance]}: the same lanes, fused multiply-adds and reduction, with the
     * activation side unpacked already.
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
