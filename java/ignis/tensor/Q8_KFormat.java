package ignis.tensor;

import ignis.IgnisException;

import java.lang.foreign.MemorySegment;

/**
 * ggml block_q8_K (292 bytes per 256 values): float32 scale d, 256 int8 quants, then 16 int16
 * sums of the quants in groups of 16 (bsums); value = d * q. Activation-only: the partner of
 * the K-quants, whose min terms use the bsums.
 */
final class Q8_KFormat extends BlockFormat {
    static final int BLOCK = 256;
    static final int BYTES = 292;
    static final int QS = 4;
    static final int BSUMS = 260;

    Q8_KFormat() {
        super(GGMLType.Q8_K, GGMLType.Q8_K);
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long block = srcOffset + (long) b * BYTES;
            float d = src.get(LittleEndian.FLOAT, block);
            for (int j = 0; j < BLOCK; j++) {
                dst[dstOffset + b * BLOCK + j] = d * LittleEndian.signedByte(src, block + QS + j);
            }
        }
    }

    /**
     * As ggml's quantize_row_q8_K_ref (which llama.cpp's x86 build uses): scale -127/max where
     * max is the signed value of largest magnitude, round half to even, quants capped at 127.
     */
    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            int x = srcOffset + b * BLOCK;
            long block = dstOffset + (long) b * BYTES;
            float max = 0;
            float amax = 0;
            for (int j = 0; j < BLOCK; j++) {
                float ax = Math.abs(src[x + j]);
                if (ax > amax) {
                    amax = ax;
                    max = src[x + j];
                }
            }
            // ggml leaves the bsums of an all-zero block unwritten; zeros are their true value.
            float iscale = amax != 0 ? -127f / max : 0f;
            dst.set(LittleEndian.FLOAT, block, amax != 0 ? 1 / iscale : 0f);
            for (int group = 0; group < BLOCK / 16; group++) {
                int sum = 0;
                for (int j = 16 * group; j < 16 * group + 16; j++) {
                    int q = Math.min(127, QuantFit.nearestInt(iscale * src[x + j]));
                    LittleEndian.putByte(dst, block + QS + j, q);
                    sum += q;
                }
                dst.set(LittleEndian.SHORT, block + BSUMS + 2L * group, (short) sum);
            }
        }
    }

    /** Sum of the quants of group {@code group} (16 values) of the block at {@code block}. */
    static int bsum(MemorySegment s, long block, int group) {
        return s.get(LittleEndian.SHORT, block + BSUMS + 2L * group);
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        throw new IgnisException("Q8_K is an activation-only format: it has no dot product of its own");
    }
}
