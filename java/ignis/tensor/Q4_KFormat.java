package ignis.tensor;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * ggml block_q4_K (144 bytes per 256 values): fp16 d, fp16 dmin, 12 bytes of 6-bit scales and
 * mins ({@link KScales}), then 128 bytes of nibbles: byte 32c+l holds value 64c+l (low nibble,
 * sub-block 2c) and value 64c+32+l (high nibble, sub-block 2c+1).
 * Value = d * scale[s] * q - dmin * min[s]. Dot partner Q8_K.
 */
final class Q4_KFormat extends BlockFormat {
    static final int BLOCK = 256;
    static final int BYTES = 144;
    private static final int DMIN = 2;
    private static final int SCALES = 4;
    private static final int QS = 16;

    Q4_KFormat() {
        super(GGMLType.Q4_K, GGMLType.Q8_K);
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long block = srcOffset + (long) b * BYTES;
            int y = dstOffset + b * BLOCK;
            float d = LittleEndian.half(src, block);
            float dmin = LittleEndian.half(src, block + DMIN);
            long scales = KScales.scales(src, block + SCALES);
            long mins = KScales.mins(src, block + SCALES);
            for (int c = 0; c < 4; c++) {
                float d1 = d * KScales.get(scales, 2 * c);
                float m1 = dmin * KScales.get(mins, 2 * c);
                float d2 = d * KScales.get(scales, 2 * c + 1);
                float m2 = dmin * KScales.get(mins, 2 * c + 1);
                for (int l = 0; l < 32; l++) {
                    int q = LittleEndian.unsignedByte(src, block + QS + 32 * c + l);
                    dst[y + 64 * c + l] = d1 * (q & 0xF) - m1;
                    dst[y + 64 * c + 32 + l] = d2 * (q >> 4) - m2;
                }
            }
        }
    }

    /** quantize_row_q4_K_ref (no importance matrix). */
    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        int[] levels = new int[BLOCK];
        for (int b = 0; b < blocks; b++) {
            long block = dstOffset + (long) b * BYTES;
            QuantFit.fitScaleMinSuperBlock(src, srcOffset + b * BLOCK, 15, -1f, 0.1f, 20, dst, block, levels);
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) {
                    LittleEndian.putByte(dst, block + QS + 32 * c + l, levels[64 * c + l] | levels[64 * c + 32 + l] << 4);
                }
            }
        }
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        return dot(w, wOffset, a, aOffset, blocks, VectorKernels.ENABLED);
    }

    static float dotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        return dot(w, wOffset, a, aOffset, blocks, false);
    }

    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        return dot(w, wOffset, a, aOffset, blocks, true);
    }

    /** Per super-block: exact integer sums (scalar or vector), then d * sum - dmin * min term in float. */
    private static float dot(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks, boolean vector) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_KFormat.BYTES;
            long scales = KScales.scales(w, wb + SCALES);
            int sumi = vector ? scaledSumsVector(w, wb, a, ab, scales) : scaledSumsScalar(w, wb, a, ab, scales);
            float da = a.get(LittleEndian.FLOAT, ab);
            sum += da * LittleEndian.half(w, wb) * sumi - da * LittleEndian.half(w, wb + DMIN) * KScales.minTerm(w, wb + SCALES, a, ab);
        }
        return sum;
    }

    /** Sum over the 8 sub-blocks of scale * (dot of the 4-bit quants with the activation quants). */
    static int scaledSumsScalar(MemorySegment w, long wb, MemorySegment a, long ab, long scales) {
        int sumi = 0;
        for (int c = 0; c < 4; c++) {
            int low = 0;
            int high = 0;
            for (int l = 0; l < 32; l++) {
                int q = LittleEndian.unsignedByte(w, wb + QS + 32 * c + l);
                low += (q & 0xF) * LittleEndian.signedByte(a, ab + Q8_KFormat.QS + 64 * c + l);
                high += (q >> 4) * LittleEndian.signedByte(a, ab + Q8_KFormat.QS + 64 * c + 32 + l);
            }
            sumi += KScales.get(scales, 2 * c) * low + KScales.get(scales, 2 * c + 1) * high;
        }
        return sumi;
    }

    /** {@link #scaledSumsScalar} on 256-bit vectors: per 32-byte chunk, low then high nibbles. */
    static int scaledSumsVector(MemorySegment w, long wb, MemorySegment a, long ab, long scales) {
        IntVector sumi = IntVector.zero(VectorKernels.INT_256);
        for (int c = 0; c < 4; c++) {
            ShortVector quants = VectorKernels.load32(w, wb + QS + 32 * c);
            for (int half = 0; half < 2; half++) {
                ShortVector act = VectorKernels.load32(a, ab + Q8_KFormat.QS + 64 * c + 32 * half);
                ShortVector products = VectorKernels.nibble(quants, 4 * half).mul(VectorKernels.evenBytes(act))
                        .add(VectorKernels.nibble(quants, 4 * half + 8).mul(VectorKernels.oddBytes(act)));
                sumi = sumi.add(VectorKernels.pairSums(products).mul(KScales.get(scales, 2 * c + half)));
            }
        }
        return sumi.reduceLanes(VectorOperators.ADD);
    }
}
