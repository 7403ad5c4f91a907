package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * ggml block_q6_K (210 bytes per 256 values): 128 bytes ql (low 4 bits), 64 bytes qh (high 2
 * bits), 16 int8 scales (one per 16 values), fp16 d. In each half h of 128 values, for l < 32:
 * value 128h+l has the low nibble of ql[64h+l], value 128h+32+l that of ql[64h+32+l], values
 * 128h+64+l and 128h+96+l their high nibbles; bits 2k..2k+1 of qh[32h+l] complete the value
 * 128h+32k+l. Value = d * scale[v/16] * (q - 32). Dot partner Q8_K.
 */
final class Q6_KFormat extends BlockFormat {
    static final int BLOCK = 256;
    static final int BYTES = 210;
    private static final int QH = 128;
    static final int SCALES = 192;
    static final int D = 208;
    /** Int lanes 4..7: the second 16 values of a 32-value group. */
    static final VectorMask<Integer> UPPER_LANES = VectorMask.fromValues(VectorKernels.INT_256, false, false, false, false, true, true, true, true);

    Q6_KFormat() {
        super(GGMLType.Q6_K, GGMLType.Q8_K);
    }

    /** The 6-bit quant (0..63) of value {@code 128h + 32k + l} (l < 32) of the block at {@code block}. */
    static int quant(MemorySegment s, long block, int h, int k, int l) {
        int low = (LittleEndian.unsignedByte(s, block + 64 * h + 32 * (k & 1) + l) >> (4 * (k >> 1))) & 0xF;
        int high = (LittleEndian.unsignedByte(s, block + QH + 32 * h + l) >> (2 * k)) & 3;
        return low | high << 4;
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long block = srcOffset + (long) b * BYTES;
            int y = dstOffset + b * BLOCK;
            float d = LittleEndian.half(src, block + D);
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 4; k++) {
                    for (int l = 0; l < 32; l++) {
                        int v = 128 * h + 32 * k + l;
                        int scale = LittleEndian.signedByte(src, block + SCALES + v / 16);
                        dst[y + v] = d * scale * (quant(src, block, h, k, l) - 32);
                    }
                }
            }
        }
    }

    /** quantize_row_q6_K_ref (no importance matrix). */
    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int blocks) {
        int[] levels = new int[BLOCK];
        float[] scales = new float[16];
        for (int b = 0; b < blocks; b++) {
            int x = srcOffset + b * BLOCK;
            long block = dstOffset + (long) b * BYTES;
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int s = 0; s < 16; s++) {
                scales[s] = QuantFit.fitSymmetricScale(16, 32, src, x + 16 * s, levels, 16 * s);
                if (Math.abs(scales[s]) > maxAbsScale) {
                    maxAbsScale = Math.abs(scales[s]);
                    maxScale = scales[s];
                }
            }
            if (maxAbsScale < QuantFit.GROUP_MAX_EPS) {
                dst.asSlice(block, BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -128f / maxScale;
            LittleEndian.putHalf(dst, block + D, 1 / iscale);
            float d = LittleEndian.half(dst, block + D);
            for (int s = 0; s < 16; s++) {
                int scale = Math.min(127, QuantFit.nearestInt(iscale * scales[s]));
                LittleEndian.putByte(dst, block + SCALES + s, scale);
                float sd = d * (byte) scale;
                if (sd == 0) {
                    continue;
                }
                for (int i = 16 * s; i < 16 * s + 16; i++) {
                    levels[i] = QuantFit.clamp(QuantFit.nearestInt(src[x + i] / sd), -32, 31) + 32;
                }
            }
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l++) {
                    int v = 128 * h + l;
                    LittleEndian.putByte(dst, block + 64 * h + l, (levels[v] & 0xF) | (levels[v + 64] & 0xF) << 4);
                    LittleEndian.putByte(dst, block + 64 * h + 32 + l, (levels[v + 32] & 0xF) | (levels[v + 96] & 0xF) << 4);
                    LittleEndian.putByte(dst, block + QH + 32 * h + l, levels[v] >> 4 | (levels[v + 32] >> 4) << 2
                            | (levels[v + 64] >> 4) << 4 | (levels[v + 96] >> 4) << 6);
                }
            }
        }
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        return VectorKernels.ENABLED
                ? dotVector(w, wOffset, a, aOffset, blocks)
                : dotScalar(w, wOffset, a, aOffset, blocks);
    }

    /** The plain version: per super-block the exact integer sums, scaled by d in float. */
    static float dotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_KFormat.BYTES;
            int sumi = scaledSumsScalar(w, wb, a, ab);
            sum += a.get(LittleEndian.FLOAT, ab) * LittleEndian.half(w, wb + D) * sumi;
        }
        return sum;
    }

    /**
     * ggml_vec_dot_q6_K_q8_K as llama.cpp's AVX2 build runs it, bit for bit: per super-block the
     * 8 int lanes of scaled sums go into 8 float accumulators by fused multiply-add, reduced in
     * ggml's order. Per 32 values 128h+32k..: the quants are rebuilt from a 32-byte ql chunk and
     * the qh chunk of the half (shifted down 2 bits per k); int lanes 0..3 hold the first 16
     * values (scale 2k), lanes 4..7 the next 16 (scale 2k+1). The super-block body stays here
     * for C2 (see {@link Q4_KFormat#dotVector}).
     */
    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks) {
        FloatVector acc = FloatVector.zero(VectorKernels.FLOAT_256);
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * BYTES;
            long ab = aOffset + (long) b * Q8_KFormat.BYTES;
            IntVector sumi = IntVector.zero(VectorKernels.INT_256);
            for (int h = 0; h < 2; h++) {
                ShortVector highBits = VectorKernels.load32(w, wb + QH + 32 * h);
                for (int k = 0; k < 4; k++) {
                    ShortVector lowBits = VectorKernels.load32(w, wb + 64 * h + 32 * (k & 1));
                    int shift = 4 * (k >> 1);
                    ShortVector act = VectorKernels.load32(a, ab + Q8_KFormat.QS + 128 * h + 32 * k);
                    ShortVector products = ShortVector.zero(VectorKernels.SHORT_256);
                    for (int p = 0; p < 2; p++) {
                        // the two high bits of byte p sit at bits 8p, 8p+1 of the lane; move them to bits 4, 5
                        ShortVector high = p == 0 ? highBits.lanewise(VectorOperators.LSHL, 4) : highBits.lanewise(VectorOperators.LSHR, 4);
                        ShortVector quant = VectorKernels.nibble(lowBits, shift + 8 * p).or(high.and((short) 0x30)).sub((short) 32);
                        products = products.add(quant.mul(VectorKernels.signedByte(act, p)));
                    }
                    long scaleAt = wb + SCALES + 8 * h + 2 * k;
                    int first = LittleEndian.signedByte(w, scaleAt);
                    int second = LittleEndian.signedByte(w, scaleAt + 1);
                    // lanes 0..3 scale by the first, lanes 4..7 by the second
                    IntVector scale = IntVector.broadcast(VectorKernels.INT_256, first).blend(second, UPPER_LANES);
                    sumi = sumi.add(VectorKernels.pairSums(products).mul(scale));
                    highBits = highBits.lanewise(VectorOperators.LSHR, 2);
                }
            }
            float d = a.get(LittleEndian.FLOAT, ab) * LittleEndian.half(w, wb + D);
            acc = VectorKernels.toFloat(sumi).fma(FloatVector.broadcast(VectorKernels.FLOAT_256, d), acc);
        }
        return VectorKernels.sum(acc);
    }

    /** Sum over the 16 groups of 16 values of scale * (dot of the quants - 32 with the activation quants). */
    static int scaledSumsScalar(MemorySegment w, long wb, MemorySegment a, long ab) {
        int sumi = 0;
        for (int h = 0; h < 2; h++) {
            for (int k = 0; k < 4; k++) {
                for (int g = 0; g < 2; g++) {
                    int group = 0;
                    for (int l = 16 * g; l < 16 * g + 16; l++) {
                        int v = 128 * h + 32 * k + l;
                        group += (quant(w, wb, h, k, l) - 32) * LittleEndian.signedByte(a, ab + Q8_KFormat.QS + v);
                    }
                    sumi += LittleEndian.signedByte(w, wb + SCALES + 8 * h + 2 * k + g) * group;
                }
            }
        }
        return sumi;
    }
}
