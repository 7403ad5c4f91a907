package ignis.runtime;

import ignis.IgnisException;
import ignis.backend.ExecutorOptions;

/**
 * How to run a model.
 *
 * @param backend       "cpu", "cuda[:N]", "opencl[:N]" or "auto" (see {@link ignis.backend.Backends})
 * @param threads       compute threads
 * @param contextLength positions per sequence; 0 means min(model's trained context, 4096) as llama.cpp
 * @param batchTokens   most prompt tokens per prefill pass
 */
public record EngineOptions(String backend, int threads, int contextLength, int batchTokens) {

    public static final int DEFAULT_CONTEXT = 4096;

    public EngineOptions {
        if (contextLength < 0) {
            throw new IgnisException("context length must be >= 0, got " + contextLength);
        }
    }

    public static EngineOptions defaults() {
        return new EngineOptions("auto", ExecutorOptions.defaultThreads(), 0, 512);
    }

    public EngineOptions withThreads(int t) {
        return new EngineOptions(backend, t, contextLength, batchTokens);
    }

    public EngineOptions withContextLength(int n) {
        return new EngineOptions(backend, threads, n, batchTokens);
    }

    public EngineOptions withBackend(String b) {
        return new EngineOptions(b, threads, contextLength, batchTokens);
    }

    public EngineOptions withBatchTokens(int n) {
        return new EngineOptions(backend, threads, contextLength, n);
    }

    ExecutorOptions executorOptions() {
        return new ExecutorOptions(threads, batchTokens);
    }
}
