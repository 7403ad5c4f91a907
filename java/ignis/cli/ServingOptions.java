package ignis.cli;

import ignis.backend.ExecutorOptions;
import ignis.model.LoadListener;
import ignis.runtime.Engine;
import ignis.runtime.EngineOptions;
import ignis.runtime.serving.SchedulerOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The model and scheduler options of the commands that serve ({@code serve}, {@code bench-serve}). */
final class ServingOptions {

    @Option(names = {"-m", "--model"}, description = "GGUF model (default: a dummy-weight model of --shape/--type)")
    Path model;

    @Option(names = "--shape", defaultValue = "tiny", description = "dummy model shape without --model: tiny, 110m, llama3.2-1b, llama3-8b (default ${DEFAULT-VALUE})")
    String shape;

    @Option(names = "--type", defaultValue = "Q8_0", description = "dummy model tensor type, e.g. F32, F16, Q8_0, Q4_0, Q4_K (default ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--backend", defaultValue = "cpu", description = "cpu, opencl[:N] or cuda[:N] (default ${DEFAULT-VALUE})")
    String backend;

    @Option(names = {"-t", "--threads"}, description = "compute threads (default: all cores)")
    Integer threads;

    @Option(names = {"-c", "--ctx-size"}, defaultValue = "0", description = "positions per sequence; 0 = min(model's context, 4096)")
    int contextLength;

    @Option(names = "--max-batch", defaultValue = "16", description = "sequences per step at most (default ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = "--step-tokens", defaultValue = "512", description = "tokens per step at most: decodes first, then prompt chunks (default ${DEFAULT-VALUE})")
    int stepTokens;

    @Option(names = "--kv-memory", defaultValue = "1024", description = "KV block pool budget in MiB (default ${DEFAULT-VALUE})")
    long kvMemoryMiB;

    @Option(names = "--kv-blocks", defaultValue = "0", description = "KV blocks in the pool; overrides --kv-memory when > 0")
    int kvBlocks;

    @Option(names = "--block-tokens", defaultValue = "16", description = "positions per KV block, a multiple of 8 (default ${DEFAULT-VALUE})")
    int blockTokens;

    @Option(names = "--max-waiting", defaultValue = "256", description = "requests that may wait for a slot; more get 429 (default ${DEFAULT-VALUE})")
    int maxWaiting;

    @Option(names = "--no-prefix-cache", description = "recompute identical prompt prefixes instead of sharing their KV blocks")
    boolean noPrefixCache;

    Path modelFile() {
        return model != null ? model : DummyModels.get(shape, type, 1);
    }

    /** Loads the model with a progress bar on stderr. */
    Engine loadEngine() {
        Path file = modelFile();
        EngineOptions options = EngineOptions.defaults().withBackend(backend)
                .withThreads(threads != null ? threads : ExecutorOptions.defaultThreads())
                .withContextLength(contextLength).withBatchTokens(stepTokens);
        ProgressBar bar = new ProgressBar("loading " + file.getFileName(), true);
        LoadListener listener = (done, total) -> bar.update(done, total, "block " + done + "/" + total);
        Engine engine = Engine.load(file, options, listener);
        bar.finish();
        return engine;
    }

    SchedulerOptions schedulerOptions() {
        return new SchedulerOptions(maxBatch, stepTokens, kvBlocks, kvMemoryMiB << 20, blockTokens, maxWaiting, !noPrefixCache);
    }
}
