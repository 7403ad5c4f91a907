package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
        FloatVector acc = FloatVector.zero(VectorKernels.FLOAT_256);
        int i = 0;
        // 16 halves per step, as 8 int lanes holding an even and an odd element each.
        for (; i + 16 <= n; i += 16) {
            IntVector wv = IntVector.fromMemorySegment(VectorKernels.INT_256, w, wOffset + 2L * i, LittleEndian.ORDER);
            IntVector av = IntVector.fromMemorySegment(VectorKernels.INT_256, a, aOffset + 2L * i, LittleEndian.ORDER);
            // A loop rather than two copies: C2 unrolls it after inlining, while a second copy of
            // the conversion would exceed its inlining budget.
            for (int shift = 0; shift <= 16; shift += 16) {
                FloatVector wf = halfToFloat(wv.lanewise(VectorOperators.LSHR, shift).and(0xFFFF));
                FloatVector af = halfToFloat(av.lanewise(VectorOperators.LSHR, shift).and(0xFFFF));
                acc = wf.fma(af, acc);
            }
        }
        float sum = VectorKernels.sum(acc);
        for (; i < n; i++) {
            sum += LittleEndian.half(w, wOffset + 2L * i) * LittleEndian.half(a, aOffset + 2L * i);
        }
        return sum;
    }

    /**
     * Exact fp16 to fp32 on int lanes whose low 16 bits hold a half: the magnitude bits shifted
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
