package ignis.backend.cpu;

import ignis.backend.BatchStep;

/**
 * Where each token of a pass keeps its keys and values: its position, its sequence's block table
 * in one {@link KvStore}, and the attention summation order it wants. Reused from pass to pass.
 */
final class KvBatch {
    KvStore store;
    int tokens;
    final int[] position;
    final int[][] table;
    final boolean[] batched;

    KvBatch(int capacity) {
        position = new int[capacity];
        table = new int[capacity][];
        batched = new boolean[capacity];
    }

    /** {@code n} consecutive tokens of one sequence from its next position; summed as a batch when n > 1, as llama.cpp does. */
    void ofSequence(CpuKvCache cache, int n) {
        store = cache.store;
        tokens = n;
        for (int t = 0; t < n; t++) {
            position[t] = cache.length() + t;
            table[t] = cache.table;
            batched[t] = n > 1;
        }
    }

    /** The tokens of a batched step over a pool, each summed as a lone token (see {@link BatchStep}). */
    void ofStep(CpuPagedKv kv, BatchStep step) {
        store = kv.store;
        tokens = step.tokens();
        for (int t = 0; t < tokens; t++) {
            position[t] = step.position[t];
            table[t] = step.tables[step.sequence[t]];
            batched[t] = false;
        }
    }

    /** Stores token {@code t}'s key and value for {@code layer}. */
    void store(int layer, int t, float[] k, int kOffset, float[] v, int vOffset) {
        int p = position[t];
        int b = store.blockTokens;
        store.store(layer, table[t][p / b], p % b, k, kOffset, v, vOffset);
    }

    /** {@link #store} of token {@code t}'s KV heads {@code [firstHead, endHead)} only. */
    void storeHeads(int layer, int t, float[] k, int kOffset, float[] v, int vOffset, int firstHead, int endHead) {
        int p = position[t];
        int b = store.blockTokens;
        store.storeHeads(layer, table[t][p / b], p % b, k, kOffset, v, vOffset, firstHead, endHead);
    }
}
