package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * ggml block_q5_0 (22 bytes per 32 values): fp16 scale d, a little-endian uint32 qh whose bit j
 * is the fifth bit of value j, then 16 bytes of low nibbles laid out as in Q4_0;
 * value = d * (q - 16). Dot partner Q8_0.
 */
final class Q5_0Format extends BlockFormat {
    static final int BLOCK = 32;
    static final int BYTES = 22;
    private static final int QH = 2;
    private static final int QS = 6;

    Q5_0Format() {
        super(GGMLType.Q5_0, GGMLType.Q8_0);
    }

    /** The 5-bit quant (0..31) of value {@code j} of the block at {@code block}, given its qh word. */
    private static int quant(MemorySegment s, long block, int qh, int j) {
        int nibbles = LittleEndian.unsignedByte(s, block + QS + (j & 15));
        int low = j < 16 ? nibbles & 0xF : nibbles >> 4;
        return low | ((qh >>> j) & 1) << 4;
    }

    /**
     * The block's values q - 16 as signed bytes, two per short in value order (as Q8_0 stores
     * its quants), into {@code out[at..at+16)}: with them Q5_0 runs {@link Q8_0x16}'s kernel.
     */
    static void valuePairs(MemorySegment s, long block, short[] out, int at) {
        int qh = s.get(LittleEndian.INT, block + QH);
        for (int i = 0; i < BLOCK / 2; i++) {
            int even = quant(s, block, qh, 2 * i) - 16;
            int odd = quant(s, block, qh, 2 * i + 1) - 16;
            out[at + i] = (short) ((even & 0xFF) | odd << 8);
        }
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long block = srcOffset + (long) b * BYTES;
            float d = LittleEndian.half(src, block);
            int qh = src.get(LittleEndian.INT, block + QH);
            for (int j = 0; j < BLOCK; j++) {
                dst[dstOffset + b * BLOCK + j] = (quant(src, block, qh, j) - 16) * d;
            }
        }
    }

    /** quantize_row_q5_0_ref: d = max / -16 where max has the largest magnitude. */
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
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            LittleEndian.putHalf(dst, block, d);
            int qh = 0;
            for (int j = 0; j < BLOCK / 2; j++) {
                int q0 = Math.min(31, (int) (src[x + j] * id + 16.5f));
                int q1 = Math.min(31, (int) (src[x + j + 16] * id + 16.5f));
                LittleEndian.putByte(dst, block + QS + j, (q0 & 0xF) | (q1 & 0xF) << 4);
                qh |= (q0 >> 4) << j | (q1 >> 4) << (j + 16);
            }
            dst.set(LittleEndian.INT, block + QH, qh);
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
            int qh = w.get(LittleEndian.INT, wb + QH);
            int sumi = 0;
            for (int j = 0; j < BLOCK; j++) {
                sumi += (quant(w, wb, qh, j) - 16) * LittleEndian.signedByte(a, ab + 2 + j);
            }
            sum += sumi * (LittleEndian.half(w, wb) * LittleEndian.half(a, ab));
        }
        return sum;
    }

    /** Lane i of a 16-value half holds values 2i (low byte) and 2i+1: their fifth bits are qh bits 2i, 2i+1. */
    private static final ShortVector EVEN_BITS = ShortVector.fromArray(VectorKernels.SHORT_128,
            new short[] {1, 1 << 2, 1 << 4, 1 << 6, 1 << 8, 1 << 10, 1 << 12, 1 << 14}, 0);

    /**
     * As {@link Q4_0Format#dotVector}, with the fifth bits: for byte p of lane i of a 16-value half,
     * bit 2i+p of that half's 16 qh bits, picked with per-lane masks.
     */
    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        FloatVector low = FloatVector.zero(VectorKernels.FLOAT_128);
        FloatVector high = FloatVector.zero(VectorKernels.FLOAT_128);
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_0Format.BYTES;
            ShortVector quants = VectorKernels.load16(w, wb + QS);
            int qh = w.get(LittleEndian.INT, wb + QH);
            FloatVector d = FloatVector.broadcast(VectorKernels.FLOAT_128, LittleEndian.half(w, wb) * LittleEndian.half(a, ab));
            for (int half = 0; half < 2; half++) {
                ShortVector act = VectorKernels.load16(a, ab + 2 + 16 * half);
                ShortVector highBits = ShortVector.broadcast(VectorKernels.SHORT_128, (short) (qh >>> (16 * half)));
                ShortVector products = ShortVector.zero(VectorKernels.SHORT_128);
                for (int p = 0; p < 2; p++) {
                    VectorMask<Short> fifthBit = highBits.and(EVEN_BITS.lanewise(VectorOperators.LSHL, p))
                            .compare(VectorOperators.NE, 0);
                    ShortVector quant = VectorKernels.nibble(quants, 4 * half + 8 * p)
                            .lanewise(VectorOperators.OR, (short) 16, fifthBit).sub((short) 16);
                    products = products.add(quant.mul(VectorKernels.signedByte(act, p)));
                }
                FloatVector updated = VectorKernels.toFloat(VectorKernels.pairSums(products)).fma(d, low);
                low = high;
                high = updated;
            }
        }
        return VectorKernels.sum(low, high);
    }
}
