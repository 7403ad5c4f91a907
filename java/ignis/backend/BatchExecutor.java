package ignis.backend;

/**
 * An executor that runs tokens of many sequences in one pass over the weights (continuous
 * batching): every matrix is multiplied once per step for all of them, attention reads each
 * sequence's KV through its block table.
 */
public interface BatchExecutor {

    /** Bytes one KV block of {@code blockTokens} positions takes (to size a pool from a budget). */
    long kvBytesPerBlock(int blockTokens);

    /** A KV pool of {@code blocks} blocks of {@code blockTokens} positions. */
    PagedKv newPagedKv(int blocks, int blockTokens);

    /** Tokens one {@link #forwardBatch} takes at most. */
    int maxStepTokens();

    /**
     * Runs {@code step}'s tokens, storing their keys and values in {@code kv} at their positions
     * (the blocks must be allocated), and writes the logits of its logit tokens into
     * {@code logits}, row {@code i} at {@code i * vocabSize}.
     */
    void forwardBatch(PagedKv kv, BatchStep step, float[] logits);
}
