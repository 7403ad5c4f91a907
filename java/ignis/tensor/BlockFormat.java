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
