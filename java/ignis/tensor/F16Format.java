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
     * {@link #dotVector}'s result, bit for bit, for the row at {@code w}+{@code wOffset} and token
     * {@code t} of {@code x}, whose activations are widened to floats already
     * ({@link MatrixInput#floats}): the weights are widened as they are loaded, 8 at a time, by
     * {@link VectorKernels#finiteHalves}. A row holding an infinity or NaN, which that widening
     * does not keep, is summed again by {@link #dotVector} from the activations' halves.
     */
    static float dotWidenedActivations(MemorySegment w, long wOffset, MatrixInput x, int t) {
        MemorySegment a = x.floats;
        long at = t * x.floatRowBytes;
        FloatVector acc0 = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        // the largest exponent-and-mantissa bits of the row: 0x7C00 and above for an infinity or NaN
        IntVector peak = IntVector.zero(VectorKernels.INT_256);
        int n = x.length();
        // i < body, not i + 32 <= n: only the first makes a counted loop, whose bounds checks C2 hoists
        int body = n & -32;
        // 8 values a step, into acc0 as the accumulators rotate: acc j of ggml takes values
        // 8j..8j+7 of every 32 (one flat loop, which C2 unrolls; the rotation then vanishes)
        for (int i = 0; i < body; i += 8) {
            IntVector h = VectorKernels.halves(w, wOffset + 2L * i);
            FloatVector next = acc1;
            acc1 = acc2;
            acc2 = acc3;
            acc3 = VectorKernels.finiteHalves(h).fma(loadFloats(a, at + 4L * i), acc0);
            acc0 = next;
            peak = peak.max(h.and(0x7FFF));
        }
        if (peak.compare(VectorOperators.GE, 0x7C00).anyTrue()) {
            return dotVector(w, wOffset, x.rows(), t * x.rowBytes(), n);
        }
        double sum = VectorKernels.reduceLikeGgmlF32(acc0, acc1, acc2, acc3);
        for (int i = body; i < n; i++) {
            sum += LittleEndian.half(w, wOffset + 2L * i) * a.get(LittleEndian.FLOAT, at + 4L * i);
        }
        return (float) sum;
    }

    /**
     * {@link #dotWidenedActivations} for tokens {@code t0} and {@code t1} at once, each weight
     * widened once for both; the results go to {@code out[o0]} and {@code out[o1]}.
     */
    static void dotWidenedActivations(MemorySegment w, long wOffset, MatrixInput x, int t0, int t1, float[] out, int o0, int o1) {
        MemorySegment a = x.floats;
        long a0 = t0 * x.floatRowBytes;
        long a1 = t1 * x.floatRowBytes;
        FloatVector p0 = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector p1 = p0, p2 = p0, p3 = p0;
        FloatVector q0 = p0, q1 = p0, q2 = p0, q3 = p0;
        IntVector peak = IntVector.zero(VectorKernels.INT_256);
        int n = x.length();
        int body = n & -32;
        for (int i = 0; i < body; i += 8) {
            IntVector h = VectorKernels.halves(w, wOffset + 2L * i);
            FloatVector v = VectorKernels.finiteHalves(h);
            FloatVector nextP = p1;
            p1 = p2;
            p2 = p3;
            p3 = v.fma(loadFloats(a, a0 + 4L * i), p0);
            p0 = nextP;
            FloatVector nextQ = q1;
            q1 = q2;
            q2 = q3;
            q3 = v.fma(loadFloats(a, a1 + 4L * i), q0);
            q0 = nextQ;
            peak = peak.max(h.and(0x7FFF));
        }
        if (peak.compare(VectorOperators.GE, 0x7C00).anyTrue()) {
            out[o0] = dotVector(w, wOffset, x.rows(), t0 * x.rowBytes(), n);
            out[o1] = dotVector(w, wOffset, x.rows(), t1 * x.rowBytes(), n);
            return;
        }
        double sum0 = VectorKernels.reduceLikeGgmlF32(p0, p1, p2, p3);
        double sum1 = VectorKernels.reduceLikeGgmlF32(q0, q1, q2, q3);
        for (int i = body; i < n; i++) {
            float weight = LittleEndian.half(w, wOffset + 2L * i);
            sum0 += weight * a.get(LittleEndian.FLOAT, a0 + 4L * i);
            sum1 += weight * a.get(LittleEndian.FLOAT, a1 + 4L * i);
        }
        out[o0] = (float) sum0;
        out[o1] = (float) sum1;
    }

    private static FloatVector loadFloats(MemorySegment s, long offset) {
        return FloatVector.fromMemorySegment(VectorKernels.FLOAT_256, s, offset, LittleEndian.ORDER);
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
