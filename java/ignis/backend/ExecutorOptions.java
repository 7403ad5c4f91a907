package ignis.backend;

import ignis.IgnisException;

/**
 * @param threads        worker threads for host-side compute
 * @param maxBatchTokens tokens one prefill pass takes at most (longer prompts go in chunks),
 *                       llama.cpp's ubatch
 * @param gpuLayers      for a device backend, llama.cpp's {@code -ngl}: how many of the model's
 *                       {@code layers + 1} offloadable slots (the blocks, then the output head on
 *                       top) run on the device, counted from the top; {@link #ALL_LAYERS} (-1, the
 *                       default) or anything above {@code layers} puts the whole model there, 0
 *                       none (see {@link ignis.backend.device.HybridExecutor}). The CPU backend
 *                       ignores it.
 */
public record ExecutorOptions(int threads, int maxBatchTokens, int gpuLayers) {
    /** {@link #gpuLayers}: every block and the output head on the device. */
    public static final int ALL_LAYERS = -1;

    public ExecutorOptions {
        if (threads < 1) {
            throw new IgnisException("threads must be >= 1, got " + threads);
        }
        if (maxBatchTokens < 1) {
            throw new IgnisException("batch size must be >= 1, got " + maxBatchTokens);
        }
        checkGpuLayers(gpuLayers);
    }

    /** All layers on the device, as a device backend runs by default. */
    public ExecutorOptions(int threads, int maxBatchTokens) {
        this(threads, maxBatchTokens, ALL_LAYERS);
    }

    public static ExecutorOptions defaults() {
        return new ExecutorOptions(defaultThreads(), 512);
    }

    public ExecutorOptions withThreads(int t) {
        return new ExecutorOptions(t, maxBatchTokens, gpuLayers);
    }

    public ExecutorOptions withGpuLayers(int n) {
        return new ExecutorOptions(threads, maxBatchTokens, n);
    }

    /** Rejects a {@code --gpu-layers} value below -1, by name. */
    public static void checkGpuLayers(int gpuLayers) {
        if (gpuLayers < ALL_LAYERS) {
            throw new IgnisException("gpu layers (--gpu-layers) must be >= 0, or -1 for all, got " + gpuLayers);
        }
    }

    /**
     * Physical cores (hyper-threads share a core's vector units, so a second thread on a core only
     * adds contention) where Linux says which logical CPUs share a core, else available processors.
     */
    public static int defaultThreads() {
        int logical = Math.max(1, Runtime.getRuntime().availableProcessors());
        java.util.Set<String> cores = new java.util.HashSet<>();
        for (int cpu = 0; cpu < logical; cpu++) {
            java.nio.file.Path topology = java.nio.file.Path.of("/sys/devices/system/cpu/cpu" + cpu + "/topology");
            try {
                cores.add(java.nio.file.Files.readString(topology.resolve("physical_package_id")).trim() + ":"
                        + java.nio.file.Files.readString(topology.resolve("core_id")).trim());
            } catch (java.io.IOException | RuntimeException e) {
                return logical; // no topology (not Linux, or restricted): count logical processors
            }
        }
        return Math.max(1, Math.min(logical, cores.size()));
    }
}
