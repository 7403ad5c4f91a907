package ignis.tensor;

/** The vector width the row kernels chose ({@code -Dignis.rowBits}), for kernels outside this package. */
public final class RowVectors {
    /** 512-bit vectors: kernels whose bits do not depend on the width take two 8-lane sums per vector. */
    public static final boolean WIDE = VectorKernels.ROW_BITS == 512;

    private RowVectors() {
    }
}
