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
 * @param gpuLayers     llama.cpp's {@code -ngl} for a device backend: -1 (the default) everything on
 *                      the device, else the top N of the {@code layers + 1} slots (output head first,
 *                      then the last blocks); see {@link ExecutorOptions#gpuLayers()}
 */
public record EngineOptions(String backend, int threads, int contextLength, int batchTokens, int gpuLayers) {

    public static final int DEFAULT_CONTEXT = 4096;

    public EngineOptions {
        if (contextLength < 0) {
            throw new IgnisException("context length must be >= 0, got " + contextLength);
        }
        ExecutorOptions.checkGpuLayers(gpuLayers);
    }

    /** Every layer on the device. */
    public EngineOptions(String backend, int threads, int contextLength, int batchTokens) {
        this(backend, threads, contextLength, batchTokens, ExecutorOptions.ALL_LAYERS);
    }

    public static EngineOptions defaults() {
        return new EngineOptions("auto", ExecutorOptions.defaultThreads(), 0, 512, ExecutorOptions.ALL_LAYERS);
    }

    public EngineOptions withThreads(int t) {
        return new EngineOptions(backend, t, contextLength, batchTokens, gpuLayers);
    }

    public EngineOptions withContextLength(int n) {
        return new EngineOptions(backend, threads, n, batchTokens, gpuLayers);
    }

    public EngineOptions withBackend(String b) {
        return new EngineOptions(b, threads, contextLength, batchTokens, gpuLayers);
    }

    public EngineOptions withBatchTokens(int n) {
        return new EngineOptions(backend, threads, contextLength, n, gpuLayers);
    }

    public EngineOptions withGpuLayers(int n) {
        return new EngineOptions(backend, threads, contextLength, batchTokens, n);
    }

    ExecutorOptions executorOptions() {
        return new ExecutorOptions(threads, batchTokens, gpuLayers);
    }
}
