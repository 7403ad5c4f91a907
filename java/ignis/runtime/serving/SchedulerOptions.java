package ignis.runtime.serving;

import ignis.IgnisException;

/**
 * How the continuous-batching scheduler runs.
 *
 * @param maxSequences  sequences in one step at most (the server's --max-batch)
 * @param maxStepTokens tokens in one step at most: every running decode first, then prompt chunks
 *                      (chunked prefill) up to this budget
 * @param kvBlocks      blocks in the KV pool; 0 sizes it from {@code kvMemoryBytes}
 * @param kvMemoryBytes memory budget of the KV pool when {@code kvBlocks} is 0
 * @param blockTokens   positions per KV block
 * @param maxWaiting    requests that may wait for a slot; more are refused (429)
 * @param prefixCaching reuse the KV blocks of identical prompt prefixes
 */
public record SchedulerOptions(int maxSequences, int maxStepTokens, int kvBlocks, long kvMemoryBytes, int blockTokens,
                               int maxWaiting, boolean prefixCaching) {

    public static final int DEFAULT_BLOCK_TOKENS = 16;

    public SchedulerOptions {
        if (maxSequences < 1) {
            throw new IgnisException("max batch (sequences per step) must be >= 1, got " + maxSequences);
        }
        if (maxStepTokens < maxSequences) {
            throw new IgnisException("tokens per step (" + maxStepTokens + ") must be at least the max batch (" + maxSequences + ")");
        }
        if (kvBlocks < 0 || (kvBlocks == 0 && kvMemoryBytes <= 0)) {
            throw new IgnisException("give the KV pool a block count or a memory budget > 0");
        }
        if (blockTokens < 1) {
            throw new IgnisException("KV block size must be >= 1 token, got " + blockTokens);
        }
        if (maxWaiting < 0) {
            throw new IgnisException("max waiting requests must be >= 0, got " + maxWaiting);
        }
    }

    /** 16 sequences, 512 tokens per step, a 1 GiB KV pool of 16-token blocks, 256 waiting, prefix caching on. */
    public static SchedulerOptions defaults() {
        return new SchedulerOptions(16, 512, 0, 1L << 30, DEFAULT_BLOCK_TOKENS, 256, true);
    }

    public SchedulerOptions withMaxSequences(int n) {
        return new SchedulerOptions(n, Math.max(maxStepTokens, n), kvBlocks, kvMemoryBytes, blockTokens, maxWaiting, prefixCaching);
    }

    public SchedulerOptions withKvBlocks(int n) {
        return new SchedulerOptions(maxSequences, maxStepTokens, n, kvMemoryBytes, blockTokens, maxWaiting, prefixCaching);
    }

    public SchedulerOptions withMaxWaiting(int n) {
        return new SchedulerOptions(maxSequences, maxStepTokens, kvBlocks, kvMemoryBytes, blockTokens, n, prefixCaching);
    }

    public SchedulerOptions withMaxStepTokens(int n) {
        return new SchedulerOptions(maxSequences, n, kvBlocks, kvMemoryBytes, blockTokens, maxWaiting, prefixCaching);
    }

    public SchedulerOptions withPrefixCaching(boolean on) {
        return new SchedulerOptions(maxSequences, maxStepTokens, kvBlocks, kvMemoryBytes, blockTokens, maxWaiting, on);
    }
}
