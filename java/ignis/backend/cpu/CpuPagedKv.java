package ignis.backend.cpu;

import ignis.backend.PagedKv;

/** The CPU's KV block pool: one {@link KvStore} of many blocks. */
final class CpuPagedKv implements PagedKv {
    final KvStore store;

    CpuPagedKv(int layers, int blocks, int blockTokens, int kvDim, int headDim) {
        this.store = new KvStore(layers, blocks, blockTokens, kvDim, headDim);
    }

    @Override
    public int blocks() {
        return store.blocks;
    }

    @Override
    public int blockTokens() {
        return store.blockTokens;
    }

    @Override
    public void copyBlock(int from, int to) {
        store.copyBlock(from, to);
    }
}
