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

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        return VectorKernels.ENABLED ? dotVector(w, wOffset, a, aOffset, n) : dotScalar(w, wOffset, a, aOffset, n);
    }

    static float dotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += value(w, wOffset, i) * value(a, aOffset, i);
        }
        return (float) sum;
    }

    /** 16 values per step as 8 int lanes: the even value is the low half, the odd one the high half. */
    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        FloatVector evens = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector odds = FloatVector.zero(VectorKernels.FLOAT_256);
        int i = 0;
        for (; i + 16 <= n; i += 16) {
            IntVector wv = IntVector.fromMemorySegment(VectorKernels.INT_256, w, wOffset + 2L * i, LittleEndian.ORDER);
            IntVector av = IntVector.fromMemorySegment(VectorKernels.INT_256, a, aOffset + 2L * i, LittleEndian.ORDER);
            evens = wv.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                    .fma(av.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), evens);
            odds = wv.and(0xFFFF0000).reinterpretAsFloats().fma(av.and(0xFFFF0000).reinterpretAsFloats(), odds);
        }
        float sum = VectorKernels.sum(evens.add(odds));
        for (; i < n; i++) {
            sum += value(w, wOffset, i) * value(a, aOffset, i);
        }
        return sum;
    }
}
