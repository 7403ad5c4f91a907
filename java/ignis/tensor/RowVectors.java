package ignis.tensor;

/** The vector width the row kernels chose ({@code -Dignis.rowBits}), for kernels outside this package. */
public final class RowVectors {
    /** 512-bit vectors: kernels whose bits do not depend on the width take two 8-lane sums per vector. */
    public static final boolean WIDE = VectorKernels.ROW_BITS == 512;

    /**
     * The most rows a packed kernel takes as one group (32 with 512-bit 16-bit lanes): row ranges
     * split on multiples of it keep every group whole, where a split one falls back to row kernels.
     */
    public static final int GROUP_ROWS = Math.max(Math.max(KQuantx16.ROWS, Q8_0x16.ROWS), Math.max(Q4_0x16.ROWS, Q4_Kx16.ROWS));

    private RowVectors() {
    }
}
