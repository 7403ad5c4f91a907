package ignis.peer;

import ignis.runtime.Benchmark;
import java.nio.file.Path;

/**
 * llama.cpp as a {@link Benchmark} target: the llama-bench measurements over its C API, run by
 * the same loop, test definitions and token ids as Ignis's own figures. The context takes
 * llama-bench's batch sizes (logical 2048, physical 512), the logical one raised to the longest
 * prompt so every prefill is one llama_decode call; each call is followed by llama_synchronize.
 */
public final class LlamaCppBench implements Benchmark.Target, AutoCloseable {
    private static final int LLAMA_BENCH_BATCH = 2048;
    private static final int LLAMA_BENCH_MICRO_BATCH = 512;

    private final LlamaCppContext context;
    private final int[] one = new int[1];

    /** Loads {@code gguf} with a context for prompts up to {@code longestPrompt} and generations up to {@code longestGeneration}. */
    public LlamaCppBench(Path gguf, int threads, int longestPrompt, int longestGeneration) {
        int positions = Math.max(longestPrompt, longestGeneration + 1);
        this.context = new LlamaCppContext(gguf, new LlamaCppContext.Settings(positions, Math.max(LLAMA_BENCH_BATCH, longestPrompt),
                LLAMA_BENCH_MICRO_BATCH, threads));
    }

    /** How the backend column names this engine, e.g. "llama.cpp b4916 (cpu)". */
    public static String label() {
        int build = LlamaCppContext.buildNumber();
        return "llama.cpp" + (build > 0 ? " b" + build : "") + " (cpu)";
    }

    @Override
    public int vocabSize() {
        return context.vocabSize();
    }

    @Override
    public void reset(int positions) {
        if (positions > context.settings().contextLength()) {
            throw new IllegalArgumentException(positions + " positions exceed llama.cpp's context of " + context.settings().contextLength());
        }
        context.clearCache();
    }

    @Override
    public void prefill(int[] tokens, int count) {
        context.decode(tokens, count);
    }

    @Override
    public void decode(int token) {
        one[0] = token;
        context.decode(one, 1);
    }

    @Override
    public void close() {
        context.close();
    }
}
