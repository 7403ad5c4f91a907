package ignis.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The 12-byte field of Q4_K and Q5_K blocks holding eight 6-bit scales and eight 6-bit mins
 * (ggml's get_scale_min_k4): bytes 0-3 hold scales 0-3 in their low 6 bits, bytes 4-7 mins 0-3;
 * bytes 8-11 hold the low 4 bits of scales 4-7 (low nibble) and mins 4-7 (high nibble), whose top
 * 2 bits sit in the top bits of bytes 0-3 (scales) and 4-7 (mins).
 *
 * <p>{@link #scales} and {@link #mins} unpack all eight at once into the bytes of a long
 * (value j in bits 8j..8j+7), so dot kernels decode them without arrays.
 */
final class KScales {
    static final int BYTES = 12;
    private static final int LOW6 = 0x3F3F3F3F;
    private static final int LOW4 = 0x0F0F0F0F;
    private static final int LOW2 = 0x03030303;

    private KScales() {
    }

    /** The eight scales of the field at {@code offset}, packed one per byte. */
    static long scales(MemorySegment s, long offset) {
        int w0 = s.get(LittleEndian.INT, offset);
        int w2 = s.get(LittleEndian.INT, offset + 8);
        int low = w0 & LOW6;
        int high = (w2 & LOW4) | (((w0 >>> 6) & LOW2) << 4);
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }

    /** The eight mins of the field at {@code offset}, packed one per byte. */
    static long mins(MemorySegment s, long offset) {
        int w1 = s.get(LittleEndian.INT, offset + 4);
        int w2 = s.get(LittleEndian.INT, offset + 8);
        int low = w1 & LOW6;
        int high = ((w2 >>> 4) & LOW4) | (((w1 >>> 6) & LOW2) << 4);
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }

    /** Value {@code j} (0..7) of a packed result of {@link #scales} or {@link #mins}. */
    static int get(long packed, int j) {
        return (int) (packed >>> (8 * j)) & 0xFF;
    }

    /** Packs eight scales and eight mins (each 0..63) into the field at {@code offset}. */
    static void pack(int[] scales, int[] mins, MemorySegment s, long offset) {
        for (int j = 0; j < 4; j++) {
            LittleEndian.putByte(s, offset + j, scales[j] | (scales[j + 4] >> 4) << 6);
            LittleEndian.putByte(s, offset + j + 4, mins[j] | (mins[j + 4] >> 4) << 6);
            LittleEndian.putByte(s, offset + j + 8, (scales[j + 4] & 0xF) | (mins[j + 4] & 0xF) << 4);
        }
    }

    /**
     * The integer part of the min term of a K-quant dot product: the sum over the 8 sub-blocks
     * of min * (sum of the Q8_K activation quants of that sub-block, from its bsums).
     */
    static int minTerm(MemorySegment w, long scalesOffset, MemorySegment a, long activationBlock) {
        long mins = mins(w, scalesOffset);
        int sum = 0;
        for (int k = 0; k < 4; k++) {
            sum += minPairTerm(mins, a, activationBlock, k);
        }
        return sum;
    }

    /** The min term of sub-blocks 2k and 2k+1 only: lane k of ggml's AVX2 min products. */
    static int minPairTerm(long mins, MemorySegment a, long activationBlock, int k) {
        // the four bsums 4k..4k+3 (16 values each) in one little-endian load
        long bsums = a.get(LittleEndian.LONG, activationBlock + Q8_KFormat.BSUMS + 8L * k);
        int first = (short) bsums + (short) (bsums >>> 16);
        int second = (short) (bsums >>> 32) + (short) (bsums >>> 48);
        return get(mins, 2 * k) * first + get(mins, 2 * k + 1) * second;
    }

    /** The integer part of a Q4_K/Q5_K super-block dot: sum over sub-blocks of scale * quant dot. */
    @FunctionalInterface
    interface ScaledSums {
        int of(MemorySegment w, long weightBlock, MemorySegment a, long activationBlock, long scales);
    }

    /**
     * The plain dot of Q4_K and Q5_K rows (d at byte 0, dmin at 2, scales at 4 of each
     * {@code blockBytes} super-block): per super-block the exact integer sums, then
     * d * sum - dmin * min term in float.
     */
    static float scalarDot(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks, int blockBytes,
            ScaledSums scaledSums) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long wb = wOffset + (long) b * blockBytes;
            long ab = aOffset + (long) b * Q8_KFormat.BYTES;
            int sumi = scaledSums.of(w, wb, a, ab, scales(w, wb + 4));
            float da = a.get(LittleEndian.FLOAT, ab);
            sum += da * LittleEndian.half(w, wb) * sumi - da * LittleEndian.half(w, wb + 2) * minTerm(w, wb + 4, a, ab);
        }
        return sum;
    }
}
