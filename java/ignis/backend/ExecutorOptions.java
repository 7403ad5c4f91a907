package ignis.backend;

import ignis.IgnisException;

/**
 * @param threads        worker threads for host-side compute
 * @param maxBatchTokens tokens one prefill pass takes at most (longer prompts go in chunks),
 *                       llama.cpp's ubatch
 */
public record ExecutorOptions(int threads, int maxBatchTokens) {

    public ExecutorOptions {
        if (threads < 1) {
            throw new IgnisException("threads must be >= 1, got " + threads);
        }
        if (maxBatchTokens < 1) {
            throw new IgnisException("batch size must be >= 1, got " + maxBatchTokens);
        }
    }

    public static ExecutorOptions defaults() {
        return new ExecutorOptions(defaultThreads(), 512);
    }

    public ExecutorOptions withThreads(int t) {
        return new ExecutorOptions(t, maxBatchTokens);
    }

    /** Physical cores where the JVM can tell, else available processors. */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
