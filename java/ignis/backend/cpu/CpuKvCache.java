package ignis.backend.cpu;

import ignis.backend.KvCacheBase;

/**
 * One sequence's keys and values: a {@link KvStore} of blocks of {@link #BLOCK_TOKENS} positions,
 * in order. Blocks rather than one block as long as the context keep each head's transposed
 * values of a block in one run of memory (8 KiB for 64-component heads), which the decode
 * attention then reads in order; one long block put every component row a context apart.
 */
final class CpuKvCache extends KvCacheBase {
    /** Positions per block: whole 32-position steps of the single-token sums (see {@link Attention}). */
    static final int BLOCK_TOKENS = 32;

    final KvStore store;
    /** Block {@code i} holds positions {@code 32 i ..}: the identity table. */
    final int[] table;

    CpuKvCache(int layers, int capacity, int kvDim, int headDim) {
        super(capacity);
        int blocks = (capacity + BLOCK_TOKENS - 1) / BLOCK_TOKENS;
        this.store = new KvStore(layers, blocks, BLOCK_TOKENS, kvDim, headDim);
        this.table = new int[blocks];
        for (int i = 0; i < blocks; i++) {
            table[i] = i;
        }
    }
}
