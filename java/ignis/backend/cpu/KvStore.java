package ignis.backend.cpu;

import ignis.IgnisException;

/**
 * Keys and values of every layer in blocks of {@code blockTokens} positions, each block
 * {@code blockTokens * kvDim} floats from {@code block * blockTokens * kvDim} on, grouped by KV
 * head so that attention reads one head's part of a block as one run of memory:
 * <ul>
 * <li>keys: head {@code h}'s key at {@code offset} is the {@code headDim} floats at
 *     {@code (h * blockTokens + offset) * headDim} into the block;</li>
 * <li>values transposed, as llama.cpp's cache keeps them for its non-flash attention: component
 *     {@code d} (of all heads, {@code d = h * headDim + i}) of the block's positions is one run
 *     of {@code blockTokens} floats at {@code d * blockTokens} into the block, so the weighted
 *     sum over positions reads memory in order.</li>
 * </ul>
 * Both are rounded to fp16 on the way in, as llama.cpp's default F16 cache stores them, and kept
 * as floats so attention reads them without conversion.
 */
final class KvStore {
    final float[][] keys;
    final float[][] values;
    final int blocks;
    final int blockTokens;
    final int kvDim;
    final int headDim;

    KvStore(int layers, int blocks, int blockTokens, int kvDim, int headDim) {
        long perLayer = (long) blocks * blockTokens * kvDim;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IgnisException("KV cache of " + blocks + " x " + blockTokens + " positions x " + kvDim
                    + " is too large for one layer array");
        }
        long bytes = 2L * layers * perLayer * Float.BYTES;
        try {
            this.keys = new float[layers][(int) perLayer];
            this.values = new float[layers][(int) perLayer];
        } catch (OutOfMemoryError e) {
            throw new IgnisException("not enough heap for a KV cache of " + (long) blocks * blockTokens + " positions ("
                    + (bytes >> 20) + " MiB); lower the context length or the KV budget, or raise -Xmx", e);
        }
        this.blocks = blocks;
        this.blockTokens = blockTokens;
        this.kvDim = kvDim;
        this.headDim = headDim;
    }

    static long bytesPerBlock(int layers, int blockTokens, int kvDim) {
        return 2L * layers * blockTokens * kvDim * Float.BYTES;
    }

    /** Stores a key and value for {@code layer} at {@code offset} of {@code block}, rounded to fp16. */
    void store(int layer, int block, int offset, float[] k, int kOffset, float[] v, int vOffset) {
        storeHeads(layer, block, offset, k, kOffset, v, vOffset, 0, kvDim / headDim);
    }

    /** {@link #store} of KV heads {@code [firstHead, endHead)} only. */
    void storeHeads(int layer, int block, int offset, float[] k, int kOffset, float[] v, int vOffset, int firstHead, int endHead) {
        float[] kl = keys[layer];
        float[] vl = values[layer];
        int blockBase = block * blockTokens * kvDim;
        int valueBase = blockBase + offset;
        for (int head = firstHead, i = firstHead * headDim; head < endHead; head++) {
            int keyBase = blockBase + (head * blockTokens + offset) * headDim;
            for (int j = 0; j < headDim; j++, i++) {
                kl[keyBase + j] = Fp16.round(k[kOffset + i]);
                vl[valueBase + i * blockTokens] = Fp16.round(v[vOffset + i]);
            }
        }
    }

    void copyBlock(int from, int to) {
        int n = blockTokens * kvDim;
        for (int layer = 0; layer < keys.length; layer++) {
            System.arraycopy(keys[layer], from * n, keys[layer], to * n, n);
            System.arraycopy(values[layer], from * n, values[layer], to * n, n);
        }
    }
}
