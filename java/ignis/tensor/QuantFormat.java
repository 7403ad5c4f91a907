package ignis.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Encoding of one {@link GGMLType}: rows of {@code n} values (a multiple of the block size)
 * laid out as ggml lays them out. Implementations are stateless and thread-safe.
 */
public interface QuantFormat {

    GGMLType type();

    /**
     * The type activations are converted to before {@link #dot} (ggml's vec_dot_type):
     * Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1, Q8_K for the K-quants, F16 for F16, BF16 for BF16,
     * F32 for F32. Quantizing activations as llama.cpp does is what makes results match it.
     */
    GGMLType activationType();

    /** Decodes {@code n} values starting at byte {@code srcOffset} of {@code src}. */
    void dequantize(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n);

    /** Encodes {@code n} values into {@code dst} at byte {@code dstOffset}, as ggml's reference quantizer does. */
    void quantize(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int n);

    /**
     * Dot product of {@code n} values: a row of this type at {@code w}+{@code wOffset} with a row
     * of {@link #activationType()} at {@code a}+{@code aOffset}.
     */
    float dot(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n);

    /**
     * The dot product of one weight row as llama.cpp's CPU backend computes it inside a matrix
     * product with {@code batchTokens} activation rows. llama.cpp switches kernels by batch size
     * (vec_dot for one token; tinyBLAS for F32/F16 from two tokens on; repacked 8-row kernels for
     * Q4_0 always), and each kernel sums in its own order. Same value as {@link #dot} within
     * rounding; the same bits as llama.cpp, which matching its greedy tokens needs.
     */
    default float matrixDot(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n, int batchTokens) {
        return dot(w, wOffset, a, aOffset, n);
    }

    /**
     * Rows {@code [rowStart, rowEnd)} of a weight matrix (row r at byte {@code r * wRowBytes} of
     * {@code w}) times every token of {@code x}: {@code out[outOffset + t * outStride + r]} gets
     * exactly {@link #matrixDot} of row r and token t with {@code x.orderTokens(t)} as the batch size.
     * Formats override it with kernels that take several rows per pass.
     */
    default void multiplyRows(MemorySegment w, long wRowBytes, int rowStart, int rowEnd, MatrixInput x,
            float[] out, int outOffset, int outStride) {
        for (int r = rowStart; r < rowEnd; r++) {
            for (int t = 0; t < x.tokens(); t++) {
                out[outOffset + t * outStride + r] = matrixDot(w, r * wRowBytes, x.rows(), t * x.rowBytes(), x.length(), x.orderTokens(t));
            }
        }
    }

    static QuantFormat of(GGMLType type) {
        return QuantFormats.of(type);
    }
}
