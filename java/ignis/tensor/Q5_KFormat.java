package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * ggml block_q5_K (176 bytes per 256 values): fp16 d, fp16 dmin, 12 bytes of 6-bit scales and
 * mins ({@link KScales}), 32 bytes qh, then 128 bytes of low nibbles laid out as in Q4_K. The
 * fifth bit of value 64c+l (l < 32) is bit 2c of qh[l], that of value 64c+32+l bit 2c+1.
 * Value = d * scale[s] * q - dmin * min[s]. Dot partner Q8_K.
 */
final class Q5_KFormat extends BlockFormat {
    static final int BLOCK = 256;
    static final int BYTES = 176;
    static final int DMIN = 2;
    static final int SCALES = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    Q5_KFormat() {
        super(GGMLType.Q5_K, GGMLType.Q8_K);
    }

    /** The 5-bit quant of value {@code 64c + 32h + l} of the block at {@code block}. */
    static int quant(MemorySegment s, long block, int c, int h, int l) {
        int nibble = (LittleEndian.unsignedByte(s, block + QS + 32 * c + l) >> (4 * h)) & 0xF;
        int high = (LittleEndian.unsignedByte(s, block + QH + l) >> (2 * c + h)) & 1;
        return nibble | high << 4;
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
                for (int h = 0; h < 2; h++) {
                    float scale = d * KScales.get(scales, 2 * c + h);
                    float min = dmin * KScales.get(mins, 2 * c + h);
                    for (int l = 0; l < 32; l++) {
                        dst[y + 64 * c + 32 * h + l] = scale * quant(src, block, c, h, l) - min;
                    }
                }
            }
        }
    }

    /** quantize_row_q5_K_ref (no importance matrix). */
    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        int[] levels = new int[BLOCK];
        for (int b = 0; b < blocks; b++) {
            long block = dstOffset + (long) b * BYTES;
            QuantFit.fitScaleMinSuperBlock(src, srcOffset + b * BLOCK, 31, -0.5f, 0.1f, 15, dst, block, levels);
            for (int l = 0; l < 32; l++) {
                int qh = 0;
                for (int c = 0; c < 4; c++) {
                    int low = levels[64 * c + l];
                    int high = levels[64 * c + 32 + l];
                    LittleEndian.putByte(dst, block + QS + 32 * c + l, (low & 0xF) | (high & 0xF) << 4);
                    qh |= (low >> 4) << (2 * c) | (high >> 4) << (2 * c + 1);
                }
                LittleEndian.putByte(dst, block + QH + l, qh);
            }
        }
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        return VectorKernels.ENABLED
                ? dotVector(w, wOffset, a, aOffset, blocks)
                : dotScalar(w, wOffset, a, aOffset, blocks);
    }

    /** The plain version: per super-block the exact integer sums, d * sum - dmin * min term in float. */
    static float dotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        return KScales.scalarDot(w, wOffset, a, aOffset, blocks, BYTES, Q5_KFormat::scaledSumsScalar);
    }

    /**
     * ggml_vec_dot_q5_K_q8_K as llama.cpp's AVX2 build runs it, bit for bit: per super-block the
     * 8 int lanes of scaled sums go into 8 float accumulators by fused multiply-add; the min term
     * goes into a float sum, fused as well; the accumulators are reduced in ggml's order. The
     * fifth bits come from the qh bytes, shifted down one bit per sub-block so that the current
     * one is always bit 0 (even value) or bit 8 (odd value) of a lane. The super-block body stays
     * here for C2 (see {@link Q4_KFormat#dotVector}).
     */
    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        FloatVector acc = FloatVector.zero(VectorKernels.FLOAT_256);
        float minTerms = 0;
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_KFormat.BYTES;
            float da = a.get(LittleEndian.FLOAT, ab);
            long scales = KScales.scales(w, wb + SCALES);
            ShortVector highBits = VectorKernels.load32(w, wb + QH);
            IntVector sumi = IntVector.zero(VectorKernels.INT_256);
            for (int c = 0; c < 4; c++) {
                ShortVector nibbles = VectorKernels.load32(w, wb + QS + 32 * c);
                for (int h = 0; h < 2; h++) {
                    ShortVector act = VectorKernels.load32(a, ab + Q8_KFormat.QS + 64 * c + 32 * h);
                    ShortVector products = ShortVector.zero(VectorKernels.SHORT_256);
                    for (int p = 0; p < 2; p++) {
                        // the fifth bit of byte p sits at bit 8p of the lane; move it to bit 4
                        ShortVector quant = VectorKernels.nibble(nibbles, 4 * h + 8 * p)
                                .or(highBits.lanewise(VectorOperators.LSHR, 8 * p).lanewise(VectorOperators.LSHL, 4).and((short) 0x10));
                        products = products.add(quant.mul(VectorKernels.signedByte(act, p)));
                    }
                    sumi = sumi.add(VectorKernels.pairSums(products).mul(KScales.get(scales, 2 * c + h)));
                    highBits = highBits.lanewise(VectorOperators.LSHR, 1);
                }
            }
            float d = da * LittleEndian.half(w, wb);
            acc = VectorKernels.toFloat(sumi).fma(FloatVector.broadcast(VectorKernels.FLOAT_256, d), acc);
            // scalar work after the vector work: C2 inlines in that order and its budget is tight
            float dmin = -da * LittleEndian.half(w, wb + DMIN);
            // ggml writes summs += dmin * t; the compiler fuses it into a multiply-add
            minTerms = Math.fma(dmin, (float) KScales.minTerm(w, wb + SCALES, a, ab), minTerms);
        }
        return VectorKernels.sum(acc) + minTerms;
    }

    /** Sum over the 8 sub-blocks of scale * (dot of the 5-bit quants with the activation quants). */
    static int scaledSumsScalar(MemorySegment w, long wb, MemorySegment a, long ab, long scales) {
        int sumi = 0;
        for (int c = 0; c < 4; c++) {
            for (int h = 0; h < 2; h++) {
                int sub = 0;
                for (int l = 0; l < 32; l++) {
                    sub += quant(w, wb, c, h, l) * LittleEndian.signedByte(a, ab + Q8_KFormat.QS + 64 * c + 32 * h + l);
                }
                sumi += KScales.get(scales, 2 * c + h) * sub;
            }
        }
        return sumi;
    }
}
