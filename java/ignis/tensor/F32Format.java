package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/** Plain little-endian float32 values (ggml F32); dot partner F32. */
final class F32Format extends BlockFormat {
    /** 256 bits, as in llama.cpp's AVX2 build, whose summation order the kernel reproduces. */
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_256;

    F32Format() {
        super(GGMLType.F32, GGMLType.F32);
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        MemorySegment.copy(src, LittleEndian.FLOAT, srcOffset, dst, dstOffset, n);
    }

    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int n) {
        MemorySegment.copy(src, srcOffset, dst, LittleEndian.FLOAT, dstOffset, n);
    }

    /** llama.cpp multiplies F32 matrices by batches of tokens with tinyBLAS (see {@link GgmlOrder}). */
    @Override
    GgmlOrder.Element tinyBlasElement() {
        return (s, o, i) -> s.get(LittleEndian.FLOAT, o + 4L * i);
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        return VectorKernels.ENABLED ? dotVector(w, wOffset, a, aOffset, n) : dotScalar(w, wOffset, a, aOffset, n);
    }

    /** ggml's scalar loop: float products summed in double. */
    static float dotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += w.get(LittleEndian.FLOAT, wOffset + 4L * i) * a.get(LittleEndian.FLOAT, aOffset + 4L * i);
        }
        return (float) sum;
    }

    /**
     * ggml_vec_dot_f32 as llama.cpp's AVX2 build runs it, bit for bit: per 32 values, accumulator
     * j takes values 8j..8j+7 by fused multiply-adds; the four are reduced in ggml's order; the
     * leftover values are added in float.
     */
    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int i = 0;
        for (; i + 32 <= n; i += 32) {
            long wo = wOffset + 4L * i;
            long ao = aOffset + 4L * i;
            acc0 = load(w, wo).fma(load(a, ao), acc0);
            acc1 = load(w, wo + 32).fma(load(a, ao + 32), acc1);
            acc2 = load(w, wo + 64).fma(load(a, ao + 64), acc2);
            acc3 = load(w, wo + 96).fma(load(a, ao + 96), acc3);
        }
        float sum = VectorKernels.reduceLikeGgmlF32(acc0, acc1, acc2, acc3);
        for (; i < n; i++) {
            sum += w.get(LittleEndian.FLOAT, wOffset + 4L * i) * a.get(LittleEndian.FLOAT, aOffset + 4L * i);
        }
        return sum;
    }

    private static FloatVector load(MemorySegment s, long offset) {
        return FloatVector.fromMemorySegment(SPECIES, s, offset, LittleEndian.ORDER);
    }
}
