package ignis.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * Building blocks of the Vector API dot kernels. They work on 256-bit vectors (AVX2, and
 * AVX-512 through its 256-bit forms); {@link #ENABLED} is false where the hardware has
 * narrower vectors (then the scalar kernels run), or when {@code -Dignis.vector=false}.
 */
final class VectorKernels {
    static final VectorSpecies<Byte> BYTE_128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> SHORT_128 = ShortVector.SPECIES_128;
    static final VectorSpecies<Short> SHORT_256 = ShortVector.SPECIES_256;
    static final VectorSpecies<Integer> INT_256 = IntVector.SPECIES_256;
    static final VectorSpecies<Float> FLOAT_256 = FloatVector.SPECIES_256;

    static final boolean ENABLED = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256
            && !"false".equals(System.getProperty("ignis.vector"));

    private VectorKernels() {
    }

    /** 16 signed bytes at {@code offset}. */
    static ByteVector load16(MemorySegment s, long offset) {
        return ByteVector.fromMemorySegment(BYTE_128, s, offset, LittleEndian.ORDER);
    }

    /**
     * The products of 16 pairs of signed bytes, summed pairwise into 8 int lanes.
     * Every product of two int8 values fits in a short, so the widening is exact.
     */
    static IntVector dot16(ByteVector x, ByteVector y) {
        ShortVector products = ((ShortVector) x.convertShape(VectorOperators.B2S, SHORT_256, 0))
                .mul((ShortVector) y.convertShape(VectorOperators.B2S, SHORT_256, 0));
        IntVector low = (IntVector) products.convertShape(VectorOperators.S2I, INT_256, 0);
        IntVector high = (IntVector) products.convertShape(VectorOperators.S2I, INT_256, 1);
        return low.add(high);
    }

    /** The 8 int lanes of {@code v} as floats (exact for the block sums we convert). */
    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }
}
