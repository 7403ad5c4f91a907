package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** bfloat16 values (ggml BF16: the top 16 bits of a float32); dot partner BF16. */
final class BF16Format extends BlockFormat {

    BF16Format() {
        super(GGMLType.BF16, GGMLType.BF16);
    }

    private static float value(MemorySegment s, long offset, int i) {
        return BFloat16.toFloat(s.get(LittleEndian.SHORT, offset + 2L * i));
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = value(src, srcOffset, i);
        }
    }

    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst.set(LittleEndian.SHORT, dstOffset + 2L * i, BFloat16.fromFloat(src[srcOffset + i]));
        }
    }

    /** llama.cpp multiplies BF16 matrices by batches of tokens with tinyBLAS (see {@link GgmlOrder}). */
    @Override
    GgmlOrder.Element tinyBlasElement() {
        return BF16Format::value;
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        return VectorKernels.ENABLED ? dotVector(w, wOffset, a, aOffset, n) : dotScalar(w, wOffset, a, aOffset, n);
    }

    /** ggml's scalar loop: float products summed in double. */
    static float dotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += value(w, wOffset, i) * value(a, aOffset, i);
        }
        return (float) sum;
    }

    /**
     * ggml_vec_dot_bf16 as llama.cpp's AVX2 build runs it, bit for bit: per 32 values,
     * accumulator j adds the products of values 8j..8j+7 (multiply, then add: not fused, as in
     * ggml); the four are reduced in ggml's order;
     * the leftover values are summed in double. The accumulators are kept permuted as in
     * {@link F16Format#dotVector}.
     */
    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        FloatVector acc0 = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector acc1 = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector acc2 = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector acc3 = FloatVector.zero(VectorKernels.FLOAT_256);
        int i = 0;
        for (; i + 32 <= n; i += 32) {
            for (int half = 0; half < 2; half++) {
                long offset = 2L * i + 32L * half;
                IntVector wv = IntVector.fromMemorySegment(VectorKernels.INT_256, w, wOffset + offset, LittleEndian.ORDER);
                IntVector av = IntVector.fromMemorySegment(VectorKernels.INT_256, a, aOffset + offset, LittleEndian.ORDER);
                FloatVector evenProducts = wv.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                        .mul(av.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats());
                FloatVector oddProducts = wv.and(0xFFFF0000).reinterpretAsFloats().mul(av.and(0xFFFF0000).reinterpretAsFloats());
                FloatVector evens = evenProducts.add(acc0);
                FloatVector odds = oddProducts.add(acc1);
                acc0 = acc2;
                acc1 = acc3;
                acc2 = evens;
                acc3 = odds;
            }
        }
        double sum = VectorKernels.reduceEvenOdd(acc0.add(acc2), acc1.add(acc3), false);
        for (; i < n; i++) {
            sum += value(w, wOffset, i) * value(a, aOffset, i);
        }
        return (float) sum;
    }
}
