package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

import java.lang.foreign.MemorySegment;

/**
 * ggml block_q4_1 (20 bytes per 32 values): fp16 scale d, fp16 min m, then 16 bytes of nibbles
 * laid out as in Q4_0; value = d * q + m. Dot partner Q8_1, whose s field carries the min term.
 */
final class Q4_1Format extends BlockFormat {
    static final int BLOCK = 32;
    static final int BYTES = 20;
    private static final int MIN = 2;
    private static final int QS = 4;

    Q4_1Format() {
        super(GGMLType.Q4_1, GGMLType.Q8_1);
    }

    /**
     * The block's quants (0..15) as bytes, two per short in value order, into
     * {@code out[at..at+16)}; returns its min m ({@link Q8_0x16} runs Q4_1 with them).
     */
    static float valuePairs(MemorySegment s, long block, short[] out, int at) {
        for (int i = 0; i < BLOCK / 2; i++) {
            int even = nibbleOf(s, block, 2 * i);
            int odd = nibbleOf(s, block, 2 * i + 1);
            out[at + i] = (short) (even | odd << 8);
        }
        return LittleEndian.half(s, block + MIN);
    }

    /** Value j's quant: low nibbles of the 16 bytes hold values 0..15, high nibbles 16..31. */
    private static int nibbleOf(MemorySegment s, long block, int j) {
        int q = LittleEndian.unsignedByte(s, block + QS + (j & 15));
        return j < 16 ? q & 0xF : q >> 4;
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long block = srcOffset + (long) b * BYTES;
            int y = dstOffset + b * BLOCK;
            float d = LittleEndian.half(src, block);
            float m = LittleEndian.half(src, block + MIN);
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = LittleEndian.unsignedByte(src, block + QS + j);
                dst[y + j] = (q & 0xF) * d + m;
                dst[y + j + 16] = (q >> 4) * d + m;
            }
        }
    }

    /** quantize_row_q4_1_ref: d = (max - min) / 15, quants rounded up from half. */
    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            int x = srcOffset + b * BLOCK;
            long block = dstOffset + (long) b * BYTES;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < BLOCK; j++) {
                min = Math.min(min, src[x + j]);
                max = Math.max(max, src[x + j]);
            }
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0.0f;
            LittleEndian.putHalf(dst, block, d);
            LittleEndian.putHalf(dst, block + MIN, min);
            for (int j = 0; j < BLOCK / 2; j++) {
                int q0 = Math.min(15, (int) ((src[x + j] - min) * id + 0.5f));
                int q1 = Math.min(15, (int) ((src[x + j + 16] - min) * id + 0.5f));
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
        float minTerms = 0;
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_1Format.BYTES;
            int sumi = 0;
            for (int j = 0; j < BLOCK / 2; j++) {
                int q = LittleEndian.unsignedByte(w, wb + QS + j);
                sumi += (q & 0xF) * LittleEndian.signedByte(a, ab + Q8_1Format.QS + j);
                sumi += (q >> 4) * LittleEndian.signedByte(a, ab + Q8_1Format.QS + j + 16);
            }
            sum += sumi * (LittleEndian.half(w, wb) * LittleEndian.half(a, ab));
            minTerms += LittleEndian.half(w, wb + MIN) * LittleEndian.half(a, ab + Q8_1Format.SUM);
        }
        return sum + minTerms;
    }

    /** As {@link Q4_0Format#dotVector} without the offset of 8, plus the min terms m * s added at the end, as ggml does. */
    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        FloatVector low = FloatVector.zero(VectorKernels.FLOAT_128);
        FloatVector high = FloatVector.zero(VectorKernels.FLOAT_128);
        float minTerms = 0;
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_1Format.BYTES;
            ShortVector quants = VectorKernels.load16(w, wb + QS);
            FloatVector d = FloatVector.broadcast(VectorKernels.FLOAT_128, LittleEndian.half(w, wb) * LittleEndian.half(a, ab));
            for (int half = 0; half < 2; half++) {
                ShortVector act = VectorKernels.load16(a, ab + Q8_1Format.QS + 16 * half);
                ShortVector products = ShortVector.zero(VectorKernels.SHORT_128);
                for (int p = 0; p < 2; p++) {
                    products = products.add(VectorKernels.nibble(quants, 4 * half + 8 * p).mul(VectorKernels.signedByte(act, p)));
                }
                IntVector sums = VectorKernels.pairSums(products);
                FloatVector updated = VectorKernels.toFloat(sums).fma(d, low);
                low = high;
                high = updated;
            }
            minTerms += LittleEndian.half(w, wb + MIN) * LittleEndian.half(a, ab + Q8_1Format.SUM);
        }
        return VectorKernels.sum(low, high) + minTerms;
    }
}
