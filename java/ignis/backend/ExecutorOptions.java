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
