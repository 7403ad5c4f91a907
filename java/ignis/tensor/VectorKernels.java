package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * Building blocks of the Vector API dot kernels.
 *
 * <p>Quants are loaded as 16-bit lanes, each holding two neighbouring bytes (elements 2i and
 * 2i+1), and unpacked with shifts and masks: every operation keeps the vector shape, because
 * shape-changing conversions (convertShape) inflate C2's intermediate graph until it stops
 * inlining and the vectors get boxed. Byte products always fit in 16 bits and are widened to
 * 32-bit lanes by pairs, so lane k of a widened 256-bit result holds elements 4k..4k+3, the
 * grouping of ggml's AVX2 kernels. The 32-value block kernels accumulate those lanes with fused
 * multiply-adds and sum them in ggml's order, so their results equal llama.cpp's AVX2 build bit
 * for bit.
 *
 * <p>{@link #ENABLED} is false where the hardware has vectors narrower than 256 bits (then the
 * scalar kernels run) or when {@code -Dignis.vector=false}.
 */
final class VectorKernels {
    static final VectorSpecies<Short> SHORT_128 = ShortVector.SPECIES_128;
    static final VectorSpecies<Short> SHORT_256 = ShortVector.SPECIES_256;
    static final VectorSpecies<Integer> INT_256 = IntVector.SPECIES_256;
    static final VectorSpecies<Float> FLOAT_128 = FloatVector.SPECIES_128;
    static final VectorSpecies<Float> FLOAT_256 = FloatVector.SPECIES_256;

    static final boolean ENABLED = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256
            && !"false".equals(System.getProperty("ignis.vector"));

    private VectorKernels() {
    }

    /** 32 bytes at {@code offset} as 16 little-endian shorts. */
    static ShortVector load32(MemorySegment s, long offset) {
        return ShortVector.fromMemorySegment(SHORT_256, s, offset, LittleEndian.ORDER);
    }

    /** 16 bytes at {@code offset} as 8 little-endian shorts. */
    static ShortVector load16(MemorySegment s, long offset) {
        return ShortVector.fromMemorySegment(SHORT_128, s, offset, LittleEndian.ORDER);
    }

    /** The low (even-indexed) byte of each lane, sign-extended. */
    static ShortVector evenBytes(ShortVector v) {
        return v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
    }

    /** The high (odd-indexed) byte of each lane, sign-extended. */
    static ShortVector oddBytes(ShortVector v) {
        return v.lanewise(VectorOperators.ASHR, 8);
    }

    /** Bits {@code shift..shift+3} of each lane: one nibble, 0..15. */
    static ShortVector nibble(ShortVector v, int shift) {
        return v.lanewise(VectorOperators.LSHR, shift).and((short) 0xF);
    }

    /** Sums neighbouring 16-bit lanes into 32-bit lanes (lane k = lanes 2k and 2k+1). */
    static IntVector pairSums(ShortVector v) {
        IntVector pairs = v.reinterpretAsInts();
        return pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(pairs.lanewise(VectorOperators.ASHR, 16));
    }

    /**
     * Dot products of signed bytes: {@code w} and {@code a} hold the same elements two per lane;
     * the result lanes hold the sums of four neighbouring products.
     */
    static IntVector dotBytes(ShortVector w, ShortVector a) {
        return pairSums(evenBytes(w).mul(evenBytes(a))).add(pairSums(oddBytes(w).mul(oddBytes(a))));
    }

    /**
     * Dot products of small quants with signed activation bytes: {@code even} and {@code odd} hold
     * the quants of elements 2i and 2i+1 in lane i, {@code act} the activation bytes two per lane.
     * Callers keep |quant| small enough (at most 64) that the two products of a lane fit in a short.
     */
    static IntVector dotQuants(ShortVector even, ShortVector odd, ShortVector act) {
        return pairSums(even.mul(evenBytes(act)).add(odd.mul(oddBytes(act))));
    }

    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** Sum of the lanes in the order of ggml's hsum_float_8 (halves, then pairs, then the last two). */
    static float sum(FloatVector v) {
        if (v.length() == 8) {
            return sum(v.lane(0), v.lane(1), v.lane(2), v.lane(3), v.lane(4), v.lane(5), v.lane(6), v.lane(7));
        }
        return v.reduceLanes(VectorOperators.ADD);
    }

    /** As {@link #sum(FloatVector)} for 8 lanes held as two 4-lane halves (lanes 0..3, then 4..7). */
    static float sum(FloatVector low, FloatVector high) {
        return sum(low.lane(0), low.lane(1), low.lane(2), low.lane(3), high.lane(0), high.lane(1), high.lane(2), high.lane(3));
    }

    /**
     * ggml's GGML_F32_VEC_REDUCE (AVX) of four 8-lane accumulators: X = (acc0 + acc2) + (acc1 + acc3),
     * a_l = X[l] + X[l+4], then two horizontal adds: (a0 + a1) + (a2 + a3).
     */
    static float reduceLikeGgmlF32(FloatVector acc0, FloatVector acc1, FloatVector acc2, FloatVector acc3) {
        FloatVector x = acc0.add(acc2).add(acc1.add(acc3));
        float a0 = x.lane(0) + x.lane(4);
        float a1 = x.lane(1) + x.lane(5);
        float a2 = x.lane(2) + x.lane(6);
        float a3 = x.lane(3) + x.lane(7);
        return (a0 + a1) + (a2 + a3);
    }

    /**
     * The same X for four ggml accumulators kept as even/odd sums: {@code evens} holds
     * acc0 + acc2 (lanes 0..3) and acc1 + acc3 (lanes 4..7) at their even lanes 0, 2, 4, 6;
     * {@code odds} the same at the odd lanes. With {@code horizontalAdds} the result is
     * (a0 + a1) + (a2 + a3), as GGML_F32_VEC_REDUCE ends; otherwise (a0 + a2) + (a1 + a3), as
     * ggml's bf16 dot ends (movehl, then movehdup).
     */
    static float reduceEvenOdd(FloatVector evens, FloatVector odds, boolean horizontalAdds) {
        // X[2m] = evens[m] + evens[4+m], X[2m+1] = odds[m] + odds[4+m]; a_l = X[l] + X[l+4]
        float a0 = (evens.lane(0) + evens.lane(4)) + (evens.lane(2) + evens.lane(6));
        float a1 = (odds.lane(0) + odds.lane(4)) + (odds.lane(2) + odds.lane(6));
        float a2 = (evens.lane(1) + evens.lane(5)) + (evens.lane(3) + evens.lane(7));
        float a3 = (odds.lane(1) + odds.lane(5)) + (odds.lane(3) + odds.lane(7));
        return horizontalAdds ? (a0 + a1) + (a2 + a3) : (a0 + a2) + (a1 + a3);
    }

    private static float sum(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) {
        float s0 = l0 + l4;
        float s1 = l1 + l5;
        float s2 = l2 + l6;
        float s3 = l3 + l7;
        return (s0 + s2) + (s1 + s3);
    }
}
