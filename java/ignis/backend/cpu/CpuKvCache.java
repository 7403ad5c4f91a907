package ignis.backend.cpu;

import ignis.IgnisException;
import ignis.backend.KvCacheBase;

/**
 * Keys and values per layer. Keys: row {@code p} holds position {@code p} ({@code kvDim}
 * floats). Values transposed, as llama.cpp's cache keeps them for its non-flash attention: row
 * {@code d} holds component {@code d} of every position ({@code capacity} floats), so the
 * weighted sum over positions reads memory in order. Both are rounded to fp16 on the way in, as
 * llama.cpp's default F16 cache stores them, and kept as floats so attention reads them without
 * conversion.
 */
final class CpuKvCache extends KvCacheBase {
    final float[][] keys;
    final float[][] values;
    private final int kvDim;

    CpuKvCache(int layers, int capacity, int kvDim) {
        super(capacity);
        long bytes = 2L * layers * capacity * kvDim * Float.BYTES;
        if ((long) capacity * kvDim > Integer.MAX_VALUE - 16) {
            throw new IgnisException("KV cache of " + capacity + " positions x " + kvDim + " is too large for one layer array");
        }
        try {
            this.keys = new float[layers][capacity * kvDim];
            this.values = new float[layers][capacity * kvDim];
        } catch (OutOfMemoryError e) {
            throw new IgnisException("not enough heap for a KV cache of " + capacity + " positions (" + (bytes >> 20)
                    + " MiB); lower the context length or raise -Xmx", e);
        }
        this.kvDim = kvDim;
    }

    /** Stores position {@code pos}'s key and value for {@code layer}, rounded to fp16. */
    void store(int layer, int pos, float[] k, int kOffset, float[] v, int vOffset) {
        float[] kl = keys[layer];
        float[] vl = values[layer];
        int base = pos * kvDim;
        for (int i = 0; i < kvDim; i++) {
            kl[base + i] = Fp16.round(k[kOffset + i]);
            vl[i * capacity() + pos] = Fp16.round(v[vOffset + i]);
        }
    }
}
