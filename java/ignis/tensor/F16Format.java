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

    /** llama.cpp multiplies F16 matrices by batches of tokens with tinyBLAS (see {@link GgmlOrder}). */
    @Override
    GgmlOrder.Element tinyBlasElement() {
        return (s, o, i) -> LittleEndian.half(s, o + 2L * i);
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        return VectorKernels.ENABLED ? dotVector(w, wOffset, a, aOffset, n) : dotScalar(w, wOffset, a, aOffset, n);
    }

    /** ggml's scalar loop: float products summed in double. */
    static float dotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += LittleEndian.half(w, wOffset + 2L * i) * LittleEndian.half(a, aOffset + 2L * i);
        }
        return (float) sum;
    }

    /**
     * ggml_vec_dot_f16 as llama.cpp's AVX2 build runs it, bit for bit: per 32 values, accumulator
     * j takes values 8j..8j+7 by fused multiply-adds; the four are reduced in ggml's order; the
     * leftover values are summed in double.
     *
     * <p>Loads of 32 bytes give int lanes holding two halves each, so the accumulators here are
     * kept permuted: one takes the even values of the first 16, one their odd values, and so on.
     * Each lane still sees exactly the values, in the order, of one lane of ggml's accumulators,
     * and {@link VectorKernels#reduceEvenOdd} undoes the permutation in the final sum.
     */
    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        FloatVector acc0 = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector acc1 = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector acc2 = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector acc3 = FloatVector.zero(VectorKernels.FLOAT_256);
        int i = 0;
        for (; i + 32 <= n; i += 32) {
            // t = 0..3: even, odd values of the first 16, then of the next 16; acc0 takes them in
            // turn as the accumulators rotate (a loop: C2 could not inline the conversion 4 times).
            for (int t = 0; t < 4; t++) {
                long offset = 2L * i + 32L * (t >> 1);
                int shift = 16 * (t & 1);
                IntVector wv = IntVector.fromMemorySegment(VectorKernels.INT_256, w, wOffset + offset, LittleEndian.ORDER);
                IntVector av = IntVector.fromMemorySegment(VectorKernels.INT_256, a, aOffset + offset, LittleEndian.ORDER);
                FloatVector wf = halfToFloat(wv.lanewise(VectorOperators.LSHR, shift).and(0xFFFF));
                FloatVector af = halfToFloat(av.lanewise(VectorOperators.LSHR, shift).and(0xFFFF));
                FloatVector next = acc1;
                acc1 = acc2;
                acc2 = acc3;
                acc3 = wf.fma(af, acc0);
                acc0 = next;
            }
        }
        double sum = VectorKernels.reduceEvenOdd(acc0.add(acc2), acc1.add(acc3), true);
        for (; i < n; i++) {
            sum += LittleEndian.half(w, wOffset + 2L * i) * LittleEndian.half(a, aOffset + 2L * i);
        }
        return (float) sum;
    }

    /**
     * {@link #dotVector}'s result, bit for bit, with the activations given as floats already
     * ({@code aFloats}, the F16 values widened) and as the halves they came from
     * ({@code aHalves}): the weights are widened as they are loaded, 8 at a time, by
     * {@link #finiteHalves}. A row holding an infinity or NaN, which that widening does not
     * keep, is summed again by {@link #dotVector}.
     */
    static float dotWidenedActivations(MemorySegment w, long wOffset, MemorySegment aHalves, long aHalvesOffset,
            MemorySegment aFloats, long aFloatsOffset, int n) {
        FloatVector acc0 = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        // the largest exponent-and-mantissa bits of the row: 0x7C00 and above for an infinity or NaN
        IntVector peak = IntVector.zero(VectorKernels.INT_256);
        // i < body, not i + 32 <= n: only the first makes a counted loop, whose bounds checks C2 hoists
        int body = n & -32;
        for (int i = 0; i < body; i += 32) {
            long wi = wOffset + 2L * i;
            long ai = aFloatsOffset + 4L * i;
            // t = 0..3: values 8t..8t+7 into acc0 as the accumulators rotate (a loop: C2 could
            // not inline the conversion 4 times)
            for (int t = 0; t < 4; t++) {
                IntVector h = halves(w, wi + 16 * t);
                FloatVector next = acc1;
                acc1 = acc2;
                acc2 = acc3;
                acc3 = finiteHalves(h).fma(loadFloats(aFloats, ai + 32 * t), acc0);
                acc0 = next;
                peak = peak.max(h.and(0x7FFF));
            }
        }
        if (peak.compare(VectorOperators.GE, 0x7C00).anyTrue()) {
            return dotVector(w, wOffset, aHalves, aHalvesOffset, n);
        }
        double sum = VectorKernels.reduceLikeGgmlF32(acc0, acc1, acc2, acc3);
        for (int i = body; i < n; i++) {
            sum += LittleEndian.half(w, wOffset + 2L * i) * aFloats.get(LittleEndian.FLOAT, aFloatsOffset + 4L * i);
        }
        return (float) sum;
    }

    private static FloatVector loadFloats(MemorySegment s, long offset) {
        return FloatVector.fromMemorySegment(VectorKernels.FLOAT_256, s, offset, LittleEndian.ORDER);
    }

    /** The 8 halves at {@code s}+{@code offset}, sign-extended to int lanes. */
    static IntVector halves(MemorySegment s, long offset) {
        return (IntVector) ShortVector.fromMemorySegment(VectorKernels.SHORT_128, s, offset, LittleEndian.ORDER)
                .convertShape(VectorOperators.S2I, VectorKernels.INT_256, 0);
    }

    /**
     * Sign-extended halves ({@link #halves}) as floats, exactly for finite halves: shifted left
     * by 13, a half's exponent and mantissa land where a float has them, read as a value 2^112
     * too small (normal and subnormal halves alike), and its sign copies fill bits 28..31, of
     * which the mask keeps bit 31. An infinity or NaN comes out as a finite value above 65504.
     */
    static FloatVector finiteHalves(IntVector halves) {
        return halves.lanewise(VectorOperators.LSHL, 13).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
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
