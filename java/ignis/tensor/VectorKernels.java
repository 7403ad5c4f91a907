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
 * grouping of ggml's AVX2 kernels.
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

    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** Sum of the lanes in the order of ggml's hsum_float_8 (halves, then pairs, then the last two). */
    static float sum(FloatVector v) {
        if (v.length() == 8) {
            float s0 = v.lane(0) + v.lane(4);
            float s1 = v.lane(1) + v.lane(5);
            float s2 = v.lane(2) + v.lane(6);
            float s3 = v.lane(3) + v.lane(7);
            return (s0 + s2) + (s1 + s3);
        }
        return v.reduceLanes(VectorOperators.ADD);
    }
}
