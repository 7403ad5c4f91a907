package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** IEEE half precision values (ggml F16); dot partner F16. */
final class F16Format extends BlockFormat {

    F16Format() {
        super(GGMLType.F16, GGMLType.F16);
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = LittleEndian.half(src, srcOffset + 2L * i);
        }
    }

    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            LittleEndian.putHalf(dst, dstOffset + 2L * i, src[srcOffset + i]);
        }
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        return VectorKernels.ENABLED ? dotVector(w, wOffset, a, aOffset, n) : dotScalar(w, wOffset, a, aOffset, n);
    }

    static float dotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += LittleEndian.half(w, wOffset + 2L * i) * LittleEndian.half(a, aOffset + 2L * i);
        }
        return (float) sum;
    }

    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        FloatVector acc0 = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector acc1 = FloatVector.zero(VectorKernels.FLOAT_256);
        int i = 0;
        for (; i + 16 <= n; i += 16) {
            long wo = wOffset + 2L * i;
            long ao = aOffset + 2L * i;
            acc0 = load8(w, wo).fma(load8(a, ao), acc0);
            acc1 = load8(w, wo + 16).fma(load8(a, ao + 16), acc1);
        }
        for (; i + 8 <= n; i += 8) {
            acc0 = load8(w, wOffset + 2L * i).fma(load8(a, aOffset + 2L * i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += LittleEndian.half(w, wOffset + 2L * i) * LittleEndian.half(a, aOffset + 2L * i);
        }
        return sum;
    }

    /** 8 fp16 values at {@code offset}, widened to float. */
    private static FloatVector load8(MemorySegment s, long offset) {
        ShortVector halves = ShortVector.fromMemorySegment(VectorKernels.SHORT_128, s, offset, LittleEndian.ORDER);
        return halfToFloat((IntVector) halves.convertShape(VectorOperators.S2I, VectorKernels.INT_256, 0));
    }

    /**
     * Exact fp16 to fp32 on lanes holding the (sign-extended) half bits: the magnitude bits shifted
     * into float position read as a float 2^112 times too small, for normal and subnormal halves
     * alike; infinities and NaNs only need their exponent widened to all ones.
     */
    static FloatVector halfToFloat(IntVector bits) {
        IntVector magnitude = bits.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> infOrNan = magnitude.compare(VectorOperators.GE, 0x7C00);
        IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        return finite.blend(shifted.or(0x7F800000), infOrNan).or(sign).reinterpretAsFloats();
    }
}
