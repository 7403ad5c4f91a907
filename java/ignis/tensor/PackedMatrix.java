package ignis.tensor;

import ignis.IgnisException;

/**
 * A weight matrix copied once, at load, into the layout of a format's many-row kernel, as
 * llama.cpp repacks Q4_0 matrices for its CPU kernels: still quantized, same values, rows
 * interleaved so that one vector lane works on one row. Rows outside whole groups are read from
 * the original tensor. The copies live in Java arrays: C2 removes the bounds checks of array
 * loads in counted loops, which on memory segments cost about a third of these kernels' time.
 */
public abstract sealed class PackedMatrix permits KQuantx16, Q4_0x16, Q4_Kx16, Q8_0x16 {
    final Tensor source;
    final int groupRows;
    /** Blocks per row. */
    final int blocks;

    PackedMatrix(Tensor source, int groupRows) {
        this.source = source;
        this.groupRows = groupRows;
        this.blocks = source.rowLength() / source.type().blockSize;
    }

    /** {@code groups() * perGroup} as an array length, or a clear error past what one array holds. */
    final int arrayLength(long perGroup) {
        long n = perGroup * groups();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IgnisException(source.name() + ": " + n + " packed values exceed one Java array");
        }
        return (int) n;
    }

    /** The packed form of {@code w} (empty until {@link #pack} has run), or null where its format has none. */
    public static PackedMatrix of(Tensor w) {
        if (!VectorKernels.ENABLED || w.rowCount() < 16) {
            return null;
        }
        return switch (w.type()) {
            case Q4_0 -> new Q4_0x16(w);
            case Q4_K -> new Q4_Kx16(w);
            case Q5_K, Q6_K -> new KQuantx16(w);
            case Q8_0, Q5_0, Q4_1 -> new Q8_0x16(w);
            default -> null;
        };
    }

    public Tensor source() {
        return source;
    }

    /** Number of whole row groups. */
    public final int groups() {
        return source.rowCount() / groupRows;
    }

    /** Bytes of packed data (for load reports). */
    public abstract long byteSize();

    /** Packs groups {@code [from, to)}; callers may split the range across threads. */
    public abstract void pack(int from, int to);

    /**
     * As {@link QuantFormat#multiplyRows} on the source tensor, the same bits: whole groups from
     * the packed copy when {@code x} is unpacked, everything else from the source.
     */
    public final void multiplyRows(int rowStart, int rowEnd, MatrixInput x, float[] out, int outOffset, int outStride) {
        QuantFormat format = source.format();
        long rowBytes = source.rowBytes();
        int firstGroup = (rowStart + groupRows - 1) / groupRows;
        int endGroup = rowEnd / groupRows;
        if (!usesPacked(x) || firstGroup >= endGroup) {
            format.multiplyRows(source.data(), rowBytes, rowStart, rowEnd, x, out, outOffset, outStride);
            return;
        }
        format.multiplyRows(source.data(), rowBytes, rowStart, firstGroup * groupRows, x, out, outOffset, outStride);
        if (x.length() != source.rowLength()) {
            throw new IllegalArgumentException(source.name() + ": row length " + source.rowLength() + " != input length " + x.length());
        }
        multiplyGroups(firstGroup, endGroup, x, out, outOffset, outStride);
        format.multiplyRows(source.data(), rowBytes, endGroup * groupRows, rowEnd, x, out, outOffset, outStride);
    }

    /** Whether the packed kernel takes {@code x} (else the source's format does). */
    boolean usesPacked(MatrixInput x) {
        return x.unpacked;
    }

    /** Groups {@code [firstGroup, endGroup)} times every token of {@code x}, as {@link #multiplyGroupTokens}. */
    void multiplyGroups(int firstGroup, int endGroup, MatrixInput x, float[] out, int outOffset, int outStride) {
        for (int g = firstGroup; g < endGroup; g++) {
            multiplyGroupTokens(g, x, out, outOffset + g * groupRows, outStride);
        }
    }

    /** Group {@code g} times every token of {@code x}: token t's outputs at {@code out[at + t * stride..]}. */
    void multiplyGroupTokens(int g, MatrixInput x, float[] out, int at, int stride) {
        for (int t = 0; t < x.tokens(); t++) {
            multiplyGroup(g, x, t, out, at + t * stride);
            finishGroup(g, x, t, out, at + t * stride);
        }
    }

    /** The rows of group {@code g} times token {@code token} of {@code x}, into {@code out[at..]}. */
    abstract void multiplyGroup(int g, MatrixInput x, int token, float[] out, int at);

    /**
     * Work on the outputs of {@link #multiplyGroup} that a format keeps apart: a call of its own
     * keeps each vector kernel small enough for C2 to compile whole.
     */
    void finishGroup(int g, MatrixInput x, int token, float[] out, int at) {
    }
}
