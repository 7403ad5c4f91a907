package ignis.backend;

/**
 * A pool of fixed-size KV blocks in an executor's memory, shared by many sequences: each
 * sequence's block table says which block holds which run of its positions (vLLM's paged
 * attention). Which blocks are free is the caller's bookkeeping; the pool only holds the data.
 */
public interface PagedKv extends AutoCloseable {

    int blocks();

    /** Positions per block. */
    int blockTokens();

    /** Copies every layer's keys and values of block {@code from} into block {@code to} (copy-on-write). */
    void copyBlock(int from, int to);

    @Override
    default void close() {
    }
}
