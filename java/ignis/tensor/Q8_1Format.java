package ignis.tensor;

import ignis.IgnisException;

import java.lang.foreign.MemorySegment;

/**
 * ggml block_q8_1 (36 bytes per 32 values): fp16 scale d, fp16 s = d * sum of the quants, then
 * 32 int8 quants; value = d * q. Activation-only: the partner of Q4_1 in dot products.
 */
final class Q8_1Format extends BlockFormat {
    static final int BLOCK = 32;
    static final int BYTES = 36;
    static final int SUM = 2;
    static final int QS = 4;

    Q8_1Format() {
        super(GGMLType.Q8_1, GGMLType.Q8_1);
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long block = srcOffset + (long) b * BYTES;
            float d = LittleEndian.half(src, block);
            for (int j = 0; j < BLOCK; j++) {
                dst[dstOffset + b * BLOCK + j] = LittleEndian.signedByte(src, block + QS + j) * d;
            }
        }
    }

    /** As llama.cpp's x86 quantize_row_q8_1: the Q8_0 quants, plus s from the unrounded d. */
    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            int x = srcOffset + b * BLOCK;
            long block = dstOffset + (long) b * BYTES;
            float amax = Q8_0Format.absMax(src, x, BLOCK);
            float d = amax / 127f;
            LittleEndian.putHalf(dst, block, d);
            int sum = Q8_0Format.putQuants(src, x, amax, dst, block + QS);
            LittleEndian.putHalf(dst, block + SUM, d * sum);
        }
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        throw new IgnisException("Q8_1 is an activation-only format: it has no dot product of its own");
    }
}
