package ignis.backend.cpu;

import ignis.backend.KvCacheBase;

/** One sequence's keys and values: a {@link KvStore} of one block as long as the context. */
final class CpuKvCache extends KvCacheBase {
    /** The block table of a one-block cache. */
    static final int[] ONE_BLOCK = {0};

    final KvStore store;

    CpuKvCache(int layers, int capacity, int kvDim) {
        super(capacity);
        this.store = new KvStore(layers, 1, capacity, kvDim);
    }
}
