package ignis.tensor;

import ignis.IgnisException;

import java.lang.foreign.MemorySegment;

/**
 * Shared argument checking for the formats: every public entry point validates the row length,
 * offsets and buffer sizes once per row, then hands whole blocks to the format's kernel.
 */
abstract class BlockFormat implements QuantFormat {
    private final GGMLType type;
    private final GGMLType activationType;
    /** log2 of the block sizes (all powers of two): checking a row costs no division. */
    private final int blockShift;
    private final int activationBlockShift;

    BlockFormat(GGMLType type, GGMLType activationType) {
        this.type = type;
        this.activationType = activationType;
        this.blockShift = log2(type.blockSize);
        this.activationBlockShift = log2(activationType.blockSize);
    }

    private static int log2(int blockSize) {
        if (Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size " + blockSize + " is not a power of two");
        }
        return Integer.numberOfTrailingZeros(blockSize);
    }

    @Override
    public final GGMLType type() {
        return type;
    }

    @Override
    public final GGMLType activationType() {
        return activationType;
    }

    @Override
    public final void dequantize(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        int blocks = checkRow(type, blockShift, src, srcOffset, n, "source");
        checkArray(dst, dstOffset, n, "destination");
        decode(src, srcOffset, dst, dstOffset, blocks);
    }

    @Override
    public final void quantize(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int n) {
        int blocks = checkRow(type, blockShift, dst, dstOffset, n, "destination");
        checkArray(src, srcOffset, n, "source");
        if (dst.isReadOnly()) {
            throw new IgnisException(type + ": destination segment is read-only");
        }
        encode(src, srcOffset, dst, dstOffset, blocks);
    }

    @Override
    public final float dot(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        return dotBlocks(w, wOffset, a, aOffset, checkedBlocks(w, wOffset, a, aOffset, n));
    }

    /**
     * As llama.cpp: from two tokens on, the types tinyBLAS takes (those returning an element
     * reader from {@link #tinyBlasElement}) sum in its order; otherwise as {@link #dot}.
     */
    @Override
    public float matrixDot(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n, int batchTokens) {
        int blocks = checkedBlocks(w, wOffset, a, aOffset, n);
        GgmlOrder.Element element = tinyBlasElement();
        // dotBlocks directly, not through dot(): one call level less keeps the vector kernels
        // within C2's inlining depth, where their vectors stay in registers.
        return batchTokens < 2 || element == null
                ? dotBlocks(w, wOffset, a, aOffset, blocks)
                : GgmlOrder.tinyBlasDot(element, w, wOffset, a, aOffset, n);
    }

    /**
     * F32, F16 and BF16 with activations as floats through {@link FloatRows}. Otherwise two rows at
     * a time through {@link #dotTwoRows} where the format has such a kernel and the
     * activations are unpacked; everything else one dot at a time. The two rows of a pass lie
     * half the range apart: two separate streams from memory keep more loads in flight than one
     * (page-sized prefetch windows), which decode, reading each weight once, is limited by.
     */
    @Override
    public final void multiplyRows(MemorySegment w, long wRowBytes, int rowStart, int rowEnd, MatrixInput x,
            float[] out, int outOffset, int outStride) {
        if (x.hasFloats && x.type() == type && rowStart < rowEnd) {
            // one check for all rows (the last row and token fit), as matrixDot makes per row
            checkedBlocks(w, (rowEnd - 1) * wRowBytes, x.rows(), (x.tokens() - 1) * x.rowBytes(), x.length());
            FloatRows.multiplyRows(this, w, wRowBytes, rowStart, rowEnd, x, out, outOffset, outStride);
            return;
        }
        int r = rowStart;
        int pairs = (rowEnd - rowStart) / 2;
        if (hasTwoRowKernel() && x.unpacked && pairs > 0) {
            int blocks = checkedBlocks(w, rowStart * wRowBytes, x.rows(), 0, x.length());
            checkedBlocks(w, (rowEnd - 1) * wRowBytes, x.rows(), (x.tokens() - 1) * x.rowBytes(), x.length());
            for (int i = 0; i < pairs; i++) {
                for (int t = 0; t < x.tokens(); t++) {
                    dotTwoRows(w, (rowStart + i) * wRowBytes, wRowBytes, pairs, x, t, blocks, out, outOffset + t * outStride + rowStart + i);
                }
            }
            r = rowStart + 2 * pairs;
        }
        QuantFormat.super.multiplyRows(w, wRowBytes, r, rowEnd, x, out, outOffset, outStride);
    }

    /** Whether {@link #dotTwoRows} is implemented. */
    boolean hasTwoRowKernel() {
        return false;
    }

    /**
     * {@link #matrixDot} of two rows, the one at {@code wOffset} and the one {@code distance} rows
     * of {@code wRowBytes} after it ({@code blocks} blocks each), with token {@code token} of the
     * unpacked {@code x}, into {@code out[at]} and {@code out[at + distance]}, bit for bit.
     */
    void dotTwoRows(MemorySegment w, long wOffset, long wRowBytes, int distance, MatrixInput x, int token, int blocks,
            float[] out, int at) {
        throw new UnsupportedOperationException(type + " has no two-row kernel");
    }

    /** How tinyBLAS reads one element of this type, or null where llama.cpp does not use tinyBLAS for it. */
    GgmlOrder.Element tinyBlasElement() {
        return null;
    }

    /** Decodes {@code blocks} whole blocks. */
    abstract void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks);

    /** Encodes {@code blocks} whole blocks. */
    abstract void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks);

    /** Dot product over {@code blocks} whole blocks of this type and the matching activation blocks. */
    abstract float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks);

    /** Checks a weight row and an activation row of {@code n} values; returns the block count. */
    final int checkedBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        int blocks = checkRow(type, blockShift, w, wOffset, n, "weight");
        checkRow(activationType, activationBlockShift, a, aOffset, n, "activation");
        return blocks;
    }

    /**
     * Checks that a row of {@code n} values of {@code rowType} (block size 2^{@code shift}) fits
     * in {@code s}; returns its block count.
     */
    private static int checkRow(GGMLType rowType, int shift, MemorySegment s, long offset, int n, String what) {
        int blocks = n >> shift;
        if (n < 0 || blocks << shift != n) {
            throw new IgnisException(rowType + ": row length " + n + " is not a multiple of the block size " + rowType.blockSize);
        }
        long bytes = (long) blocks * rowType.blockBytes;
        if (offset < 0 || offset > s.byteSize() - bytes) {
            throw new IgnisException(rowType + ": " + what + " row of " + n + " values needs " + bytes
                    + " bytes at offset " + offset + " but the segment holds " + s.byteSize());
        }
        return blocks;
    }

    private void checkArray(float[] array, int offset, int n, String what) {
        if (offset < 0 || offset > array.length - n) {
            throw new IgnisException(type + ": " + what + " array of " + array.length + " floats cannot hold "
                    + n + " values at index " + offset);
        }
    }
}
