package ignis.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A weight matrix copied once, at load, into the layout of a format's many-row kernel, as
 * llama.cpp repacks Q4_0 matrices for its CPU kernels: still quantized, same values, rows
 * interleaved so that one vector lane works on one row. Rows outside whole groups are read from
 * the original tensor.
 */
public abstract sealed class PackedMatrix permits Q4_0x16, Q4_Kx16 {
    final Tensor source;
    final MemorySegment packed;
    final int groupRows;
    final long groupBytes;

    PackedMatrix(Tensor source, int groupRows, long groupBytes) {
        this.source = source;
        this.groupRows = groupRows;
        this.groupBytes = groupBytes;
        this.packed = Arena.ofAuto().allocate(Math.max(1, groupBytes * groups()), 64);
    }

    /** The packed form of {@code w} (empty until {@link #pack} has run), or null where its format has none. */
    public static PackedMatrix of(Tensor w) {
        if (!VectorKernels.ENABLED || w.rowCount() < 16) {
            return null;
        }
        return switch (w.type()) {
            case Q4_0 -> new Q4_0x16(w);
            case Q4_K -> new Q4_Kx16(w);
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
    public final long byteSize() {
        return packed.byteSize();
    }

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
        if (!x.unpacked || firstGroup >= endGroup) {
            format.multiplyRows(source.data(), rowBytes, rowStart, rowEnd, x, out, outOffset, outStride);
            return;
        }
        format.multiplyRows(source.data(), rowBytes, rowStart, firstGroup * groupRows, x, out, outOffset, outStride);
        if (x.length() != source.rowLength()) {
            throw new IllegalArgumentException(source.name() + ": row length " + source.rowLength() + " != input length " + x.length());
        }
        int blocks = x.length() / source.type().blockSize;
        for (int g = firstGroup; g < endGroup; g++) {
            for (int t = 0; t < x.tokens(); t++) {
                multiplyGroup(g * groupBytes, blocks, x, t, out, outOffset + t * outStride + g * groupRows);
                finishGroup(g * groupBytes, blocks, x, t, out, outOffset + t * outStride + g * groupRows);
            }
        }
        format.multiplyRows(source.data(), rowBytes, endGroup * groupRows, rowEnd, x, out, outOffset, outStride);
    }

    /** The rows of the group at {@code groupOffset} times token {@code token} of {@code x}, into {@code out[at..]}. */
    abstract void multiplyGroup(long groupOffset, int blocks, MatrixInput x, int token, float[] out, int at);

    /**
     * Work on the outputs of {@link #multiplyGroup} that a format keeps apart: a call of its own
     * keeps each vector kernel small enough for C2 to compile whole.
     */
    void finishGroup(long groupOffset, int blocks, MatrixInput x, int token, float[] out, int at) {
    }
}
