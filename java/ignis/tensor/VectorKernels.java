package ignis.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * Building blocks of the Vector API dot kernels.
 *
 * <p>Quants are loaded as 16-bit lanes, each holding two neighbouring bytes (elements 2i and
 * 2i+1), and unpacked with shifts and masks. Every operation keeps the vector shape: shape
 * changes (convertShape) inflate C2's intermediate graph until it stops inlining and boxes the
 * vectors. For the same reason the kernels treat the two bytes of a lane in a two-pass loop
 * (parity p) rather than in two copies of the code, and keep their whole loop body in one method.
 *
 * <p>Byte products fit in 16 bits and are widened to 32-bit lanes by pairs, so lane k of a
 * widened 256-bit result holds elements 4k..4k+3, the grouping of ggml's AVX2 kernels. The
 * kernels accumulate those lanes with fused multiply-adds and reduce them in ggml's order, so
 * their results equal llama.cpp's AVX2 build bit for bit (see LlamaCppParityTest).
 *
 * <p>{@link #ENABLED} is false where the hardware lacks 256-bit integer vectors (AVX2; then the
 * scalar kernels run) or when {@code -Dignis.vector=false}.
 */
final class VectorKernels {
    static final VectorSpecies<Short> SHORT_128 = ShortVector.SPECIES_128;
    static final VectorSpecies<Short> SHORT_256 = ShortVector.SPECIES_256;
    static final VectorSpecies<Integer> INT_256 = IntVector.SPECIES_256;
    static final VectorSpecies<Float> FLOAT_128 = FloatVector.SPECIES_128;
    static final VectorSpecies<Float> FLOAT_256 = FloatVector.SPECIES_256;

    static final boolean ENABLED = ByteVector.SPECIES_PREFERRED.vectorBitSize() >= 256
            && !"false".equals(System.getProperty("ignis.vector"));

    /**
     * Vectors of the kernels that give each row its own 16-bit lane (Q4_0, Q4_K): the widest C2
     * compiles here, 512 bits with AVX-512 and 256 with AVX2 ({@code -Dignis.rowBits=256} or
     * {@code 512} chooses). Their integer sums are exact at any width and each row's float sums
     * keep their order, so the bits do not depend on it; 512 bits take twice the rows per
     * operation.
     */
    static final int ROW_BITS = rowBits(Integer.getInteger("ignis.rowBits", ShortVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? 512 : 256));
    static final VectorSpecies<Short> SHORT_ROWS = ShortVector.SPECIES_256.withShape(VectorShape.forBitSize(ROW_BITS));
    static final VectorSpecies<Integer> INT_ROWS = IntVector.SPECIES_256.withShape(VectorShape.forBitSize(ROW_BITS));
    static final VectorSpecies<Float> FLOAT_ROWS = FloatVector.SPECIES_256.withShape(VectorShape.forBitSize(ROW_BITS));
    /** Rows per group of those kernels: one per 16-bit lane. */
    static final int LANE_ROWS = SHORT_ROWS.length();

    private static int rowBits(int bits) {
        if (bits != 256 && bits != 512) {
            throw new IllegalArgumentException("-Dignis.rowBits must be 256 or 512, got " + bits);
        }
        return bits;
    }

    /** Swaps the 128-bit halves of 8 lanes. */
    private static final VectorShuffle<Float> SWAP_HALVES = VectorShuffle.fromValues(FLOAT_256, 4, 5, 6, 7, 0, 1, 2, 3);
    /** Swaps lanes 0,1 with 2,3 (and 4,5 with 6,7). */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromValues(FLOAT_256, 2, 3, 0, 1, 6, 7, 4, 5);
    /** Swaps neighbouring lanes. */
    private static final VectorShuffle<Float> SWAP_NEIGHBOURS = VectorShuffle.fromValues(FLOAT_256, 1, 0, 3, 2, 5, 4, 7, 6);

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

    /** Byte {@code p} of each lane (0: the low byte, the even element; 1: the high byte, the odd one), sign-extended. */
    static ShortVector signedByte(ShortVector v, int p) {
        return p == 0 ? v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8) : v.lanewise(VectorOperators.ASHR, 8);
    }

    /** Bits {@code shift..shift+3} of each lane: one nibble, 0..15. */
    static ShortVector nibble(ShortVector v, int shift) {
        // the top nibble needs no mask: the logical shift brings in zeros
        return shift == 12 ? v.lanewise(VectorOperators.LSHR, 12) : v.lanewise(VectorOperators.LSHR, shift).and((short) 0xF);
    }

    /** Sums neighbouring 16-bit lanes into 32-bit lanes (lane k = lanes 2k and 2k+1). */
    static IntVector pairSums(ShortVector v) {
        IntVector pairs = v.reinterpretAsInts();
        return pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(pairs.lanewise(VectorOperators.ASHR, 16));
    }

    /**
     * Dot products of signed bytes: {@code w} and {@code a} hold the same elements two per lane;
     * the result lanes hold the sums of four neighbouring products. A lane's two products lie in
     * [-16256, 16384] each, so their sum in [-32512, 32768] fits a short once 256 lower; the
     * widened pair sums get the 2 * 256 back.
     */
    static IntVector dotBytes(ShortVector w, ShortVector a) {
        ShortVector even = signedByte(w, 0).mul(signedByte(a, 0));
        ShortVector odd = signedByte(w, 1).mul(signedByte(a, 1));
        return pairSums(even.add(odd).sub((short) 256)).add(512);
    }

    /**
     * As {@link #dotBytes} with the activation bytes unpacked already ({@link MatrixInput}):
     * {@code even} and {@code odd} hold them sign-extended, none -128, so a lane's two products
     * sum within a short.
     */
    static IntVector dotUnpacked(ShortVector w, ShortVector even, ShortVector odd) {
        return pairSums(signedByte(w, 0).mul(even).add(signedByte(w, 1).mul(odd)));
    }

    /** The {@link #FLOAT_ROWS} floats at {@code a[at]}. */
    static FloatVector rowsFrom(float[] a, int at) {
        return FloatVector.fromArray(FLOAT_ROWS, a, at);
    }

    /** {@code x * a + y * b}, lane by lane. */
    static IntVector weightedSum(IntVector x, int a, IntVector y, int b) {
        return x.mul(a).add(y.mul(b));
    }

    /** The 8 halves at {@code s}+{@code offset}, sign-extended to int lanes. */
    static IntVector halves(MemorySegment s, long offset) {
        return (IntVector) ShortVector.fromMemorySegment(SHORT_128, s, offset, LittleEndian.ORDER)
                .convertShape(VectorOperators.S2I, INT_256, 0);
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
     * Byte {@code j} (0..3, lowest first) of every int lane, sign-extended, as floats: with lane l
     * holding elements 4l..4l+3 of an int8 block, plane j of the float kernels (element 4l + j in
     * lane l).
     */
    static FloatVector bytePlane(IntVector fourBytes, int j) {
        return toFloat(fourBytes.lanewise(VectorOperators.LSHL, 24 - 8 * j).lanewise(VectorOperators.ASHR, 24));
    }

    /** Int lanes as floats (exact below 2^24, as ggml's _mm256_cvtepi32_ps). */
    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** Sum of 8 lanes in the order of ggml's hsum_float_8: s_k = l_k + l_(k+4), then (s0 + s2) + (s1 + s3). */
    static float sum(FloatVector v) {
        FloatVector s = v.add(v.rearrange(SWAP_HALVES));
        FloatVector t = s.add(s.rearrange(SWAP_PAIRS));
        return t.lane(0) + t.lane(1);
    }

    /** As {@link #sum(FloatVector)} for 8 lanes held as two 4-lane halves (lanes 0..3, then 4..7). */
    static float sum(FloatVector low, FloatVector high) {
        FloatVector s = low.add(high);
        return (s.lane(0) + s.lane(2)) + (s.lane(1) + s.lane(3));
    }

    /**
     * ggml's GGML_F32_VEC_REDUCE (AVX) of four 8-lane accumulators: X = (acc0 + acc2) + (acc1 + acc3),
     * a_l = X[l] + X[l+4], then two horizontal adds: (a0 + a1) + (a2 + a3).
     */
    static float reduceLikeGgmlF32(FloatVector acc0, FloatVector acc1, FloatVector acc2, FloatVector acc3) {
        FloatVector x = acc0.add(acc2).add(acc1.add(acc3));
        FloatVector partial = x.add(x.rearrange(SWAP_HALVES));
        FloatVector pairs = partial.add(partial.rearrange(SWAP_NEIGHBOURS));
        return pairs.lane(0) + pairs.lane(2);
    }

    /** The end of {@link #reduceLikeGgmlF32} for X summed already, its 8 lanes at {@code x[at]}. */
    static float reduceLikeGgmlF32(float[] x, int at) {
        return ((x[at] + x[at + 4]) + (x[at + 1] + x[at + 5])) + ((x[at + 2] + x[at + 6]) + (x[at + 3] + x[at + 7]));
    }

    /**
     * The same X for four ggml accumulators kept as even/odd sums: {@code evens} holds
     * acc0 + acc2 (lanes 0..3) and acc1 + acc3 (lanes 4..7) at their even lanes 0, 2, 4, 6;
     * {@code odds} the same at the odd lanes. With {@code horizontalAdds} the result is
     * (a0 + a1) + (a2 + a3), as GGML_F32_VEC_REDUCE ends; otherwise (a0 + a2) + (a1 + a3), as
     * ggml's bf16 dot ends (movehl, then movehdup).
     */
    static float reduceEvenOdd(FloatVector evens, FloatVector odds, boolean horizontalAdds) {
        // X[2m] = evens[m] + evens[4+m], X[2m+1] = odds[m] + odds[4+m]; a_l = X[l] + X[l+4]:
        // a0 = X0 + X4 = (E0+E4) + (E2+E6), a2 = (E1+E5) + (E3+E7), likewise a1, a3 from the odds
        FloatVector e = evens.add(evens.rearrange(SWAP_HALVES));
        FloatVector o = odds.add(odds.rearrange(SWAP_HALVES));
        FloatVector ea = e.add(e.rearrange(SWAP_PAIRS));
        FloatVector oa = o.add(o.rearrange(SWAP_PAIRS));
        float a0 = ea.lane(0);
        float a2 = ea.lane(1);
        float a1 = oa.lane(0);
        float a3 = oa.lane(1);
        return horizontalAdds ? (a0 + a1) + (a2 + a3) : (a0 + a2) + (a1 + a3);
    }

    /** Zeros where {@code zero}, else the 8 floats at {@code a[at]}. */
    static FloatVector loadOrZero(boolean zero, float[] a, int at) {
        return zero ? FloatVector.zero(FLOAT_256) : FloatVector.fromArray(FLOAT_256, a, at);
    }

    /** Zeros where {@code zero}, else the {@link #FLOAT_ROWS} floats at {@code a[at]}. */
    static FloatVector rowsOrZero(boolean zero, float[] a, int at) {
        return zero ? FloatVector.zero(FLOAT_ROWS) : FloatVector.fromArray(FLOAT_ROWS, a, at);
    }

    /**
     * The 16-bit lanes of a lane-per-row vector taken apart by row: lanes 2k and 2k+1 hold rows
     * k and half + k ({@link #rowOfLane}), so the low halves of its int lanes are the first half
     * of the rows in order, sign-extended.
     */
    static IntVector firstHalfRows(ShortVector v) {
        return v.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16);
    }

    /** {@link #INT_ROWS} lanes as {@link #FLOAT_ROWS} floats (exact below 2^24), the species named: one helper for both widths otherwise sees both and C2 boxes its vectors. */
    static FloatVector rowsToFloat(IntVector v) {
        return (FloatVector) v.convertShape(VectorOperators.I2F, FLOAT_ROWS, 0);
    }

    /**
     * {@link #finiteHalves} for {@link #INT_ROWS} lanes. A helper of its own: one that both widths
     * call sees both vector classes at its operations, and C2 then boxes the vectors of the
     * narrower callers (F16 decode allocated 10 MB per token).
     */
    static FloatVector finiteHalfRows(IntVector halves) {
        return halves.lanewise(VectorOperators.LSHL, 13).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
    }

    /** {@link #dotUnpacked} for {@link #SHORT_ROWS} vectors, a helper of its own (see {@link #finiteHalfRows}). */
    static IntVector dotUnpackedRows(ShortVector w, ShortVector even, ShortVector odd) {
        ShortVector products = w.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(even)
                .add(w.lanewise(VectorOperators.ASHR, 8).mul(odd));
        return firstHalfRows(products).add(secondHalfRows(products));
    }

    /** The second half of the rows of {@link #firstHalfRows}: the high halves of the int lanes. */
    static IntVector secondHalfRows(ShortVector v) {
        return v.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16);
    }

    /** The row in 16-bit lane {@code s} of a lane-per-row group of {@link #LANE_ROWS} rows. */
    static int rowOfLane(int s) {
        return (s & 1) == 0 ? s / 2 : LANE_ROWS / 2 + s / 2;
    }
}
