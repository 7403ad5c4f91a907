package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;

import java.lang.foreign.MemorySegment;

/**
 * ggml block_q4_0 (18 bytes per 32 values): fp16 scale d, then 16 bytes whose low nibbles are
 * values 0..15 and high nibbles values 16..31; value = d * (q - 8). Dot partner Q8_0.
 */
final class Q4_0Format extends BlockFormat {
    static final int BLOCK = 32;
    static final int BYTES = 18;
    private static final int QS = 2;

    Q4_0Format() {
        super(GGMLType.Q4_0, GGMLType.Q8_0);
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long block = srcOffset + (long) b * BYTES;
            int y = dstOffset + b * BLOCK;
            float d = LittleEndian.half(src, block);
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = LittleEndian.unsignedByte(src, block + QS + j);
                dst[y + j] = ((q & 0xF) - 8) * d;
                dst[y + j + 16] = ((q >> 4) - 8) * d;
            }
        }
    }

    /** quantize_row_q4_0_ref: d = max / -8 where max has the largest magnitude. */
    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            int x = srcOffset + b * BLOCK;
            long block = dstOffset + (long) b * BYTES;
            float amax = 0;
            float max = 0;
            for (int j = 0; j < BLOCK; j++) {
                if (amax < Math.abs(src[x + j])) {
                    amax = Math.abs(src[x + j]);
                    max = src[x + j];
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            LittleEndian.putHalf(dst, block, d);
            for (int j = 0; j < BLOCK / 2; j++) {
                int q0 = Math.min(15, (int) (src[x + j] * id + 8.5f));
                int q1 = Math.min(15, (int) (src[x + j + 16] * id + 8.5f));
                LittleEndian.putByte(dst, block + QS + j, q0 | q1 << 4);
            }
        }
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        return VectorKernels.ENABLED
                ? dotVector(w, wOffset, a, aOffset, blocks)
                : dotScalar(w, wOffset, a, aOffset, blocks);
    }

    static float dotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_0Format.BYTES;
            int sumi = 0;
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = LittleEndian.unsignedByte(w, wb + QS + j);
                sumi += ((q & 0xF) - 8) * LittleEndian.signedByte(a, ab + 2 + j);
                sumi += ((q >> 4) - 8) * LittleEndian.signedByte(a, ab + 2 + j + 16);
            }
            sum += sumi * (LittleEndian.half(w, wb) * LittleEndian.half(a, ab));
        }
        return sum;
    }

    /**
     * 128-bit lanes: the 16 quant bytes as 8 shorts, lane i holding values 2i, 2i+1 (low nibbles)
     * and 2i+16, 2i+17 (high nibbles), matched with the activation's two 16-byte halves.
     */
    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        FloatVector acc = FloatVector.zero(VectorKernels.FLOAT_128);
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_0Format.BYTES;
            ShortVector quants = VectorKernels.load16(w, wb + QS);
            ShortVector products = ShortVector.zero(VectorKernels.SHORT_128);
            for (int half = 0; half < 2; half++) {
                ShortVector act = VectorKernels.load16(a, ab + 2 + 16 * half);
                ShortVector even = VectorKernels.nibble(quants, 4 * half).sub((short) 8);
                ShortVector odd = VectorKernels.nibble(quants, 4 * half + 8).sub((short) 8);
                products = products.add(even.mul(VectorKernels.evenBytes(act))).add(odd.mul(VectorKernels.oddBytes(act)));
            }
            float d = LittleEndian.half(w, wb) * LittleEndian.half(a, ab);
            acc = VectorKernels.toFloat(VectorKernels.pairSums(products))
                    .fma(FloatVector.broadcast(VectorKernels.FLOAT_128, d), acc);
        }
        return VectorKernels.sum(acc);
    }
}
