package ignis.cli;

import ignis.backend.ExecutorOptions;
import ignis.backend.ModelExecutor;
import ignis.backend.Backends;
import ignis.backend.cpu.MemoryBandwidth;
import ignis.model.LlamaModel;
import ignis.model.LlamaWeights;
import ignis.model.LoadListener;
import ignis.runtime.Benchmark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ignis bench}: llama-bench style prompt-processing and generation speed, with the decode
 * figure set against the memory-bandwidth roofline. Without --model it benchmarks a dummy-weight
 * model of a named shape (written once, cached).
 */
@Command(name = "bench", description = "Measure prefill (pp) and decode (tg) tokens/s, llama-bench style.")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, description = "GGUF model (default: a dummy-weight model of --shape/--type)")
    Path model;

    @Option(names = "--shape", defaultValue = "110m", description = "dummy model shape: tiny, 110m, llama3.2-1b, llama3-8b (default ${DEFAULT-VALUE})")
    String shape;

    @Option(names = "--type", defaultValue = "Q8_0", description = "dummy model tensor type, e.g. Q8_0, Q4_0, Q4_K, Q4_K_M (default ${DEFAULT-VALUE})")
    String type;

    @Option(names = {"-p", "--n-prompt"}, split = ",", defaultValue = "512", description = "prompt lengths (default ${DEFAULT-VALUE})")
    List<Integer> promptLengths;

    @Option(names = {"-n", "--n-gen"}, split = ",", defaultValue = "128", description = "generation lengths (default ${DEFAULT-VALUE})")
    List<Integer> generationLengths;

    @Option(names = {"-t", "--threads"}, description = "compute threads (default: all cores)")
    Integer threads;

    @Option(names = {"-r", "--reps"}, defaultValue = "3", description = "repetitions per test (default ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--json", description = "print results as JSON")
    boolean json;

    @Override
    public Integer call() {
        int nThreads = threads != null ? threads : ExecutorOptions.defaultThreads();
        Path file = model != null ? model : DummyModels.get(shape, type, 1);
        String modelName = model != null ? model.getFileName().toString() : shape + " " + type.toUpperCase() + " (dummy weights)";
        int batch = Math.max(1, promptLengths.stream().mapToInt(Integer::intValue).max().orElse(1));
        try (LlamaModel m = LlamaModel.load(file, LoadListener.NONE);
                ModelExecutor ex = Backends.byName("cpu").load(m, new ExecutorOptions(nThreads, Math.min(batch, 512)))) {
            ProgressBar bar = new ProgressBar("bench", true);
            int totalReps = (promptLengths.size() + generationLengths.size()) * reps;
            int[] done = {0};
            Benchmark.RepListener progress = (test, rep, of) -> bar.update(++done[0], totalReps, test + " rep " + rep + "/" + of);
            Benchmark bench = new Benchmark(ex);
            List<Benchmark.Result> results = new ArrayList<>();
            for (int p : promptLengths) {
                results.add(bench.prompt(p, reps, progress));
            }
            for (int n : generationLengths) {
                results.add(bench.generation(n, reps, progress));
            }
            bar.finish();
            double bandwidth = MemoryBandwidth.measure(1024, nThreads, 3);
            long bytesPerToken = bytesReadPerToken(m);
            double roofline = bandwidth / bytesPerToken;
            if (json) {
                System.out.println(Json.write(toJson(modelName, m, nThreads, results, bandwidth, bytesPerToken)));
            } else {
                printTable(modelName, m, nThreads, results, bandwidth, bytesPerToken, roofline);
            }
        }
        return 0;
    }

    /** Weight bytes one decoded token reads: every matrix once, one embedding row (untied output). */
    static long bytesReadPerToken(LlamaModel m) {
        LlamaWeights w = m.weights();
        long embedding = w.tokenEmbedding().data().byteSize();
        boolean tied = w.output() == w.tokenEmbedding();
        return m.weightBytes() - (tied ? 0 : embedding) + w.tokenEmbedding().rowBytes();
    }

    private static long parameters(LlamaModel m) {
        return m.file().tensorInfos().stream().mapToLong(t -> t.elementCount()).sum();
    }

    private void printTable(String name, LlamaModel m, int nThreads, List<Benchmark.Result> results, double bandwidth,
            long bytesPerToken, double roofline) {
        System.out.println("| model | size | params | backend | threads | test | t/s | % roofline |");
        System.out.println("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |");
        for (Benchmark.Result r : results) {
            String pct = r.test().startsWith("tg") ? String.format("%.0f%%", 100 * r.meanTokensPerSecond() / roofline) : "";
            System.out.printf("| %s | %.2f MiB | %.2f M | cpu | %d | %s | %.2f ± %.2f | %s |%n", name, m.weightBytes() / 1048576.0,
                    parameters(m) / 1e6, nThreads, r.test(), r.meanTokensPerSecond(), r.stddevTokensPerSecond(), pct);
        }
        System.out.printf("%nmemory bandwidth (measured, %d threads): %.1f GB/s; bytes read per decoded token: %.1f MB; "
                + "decode roofline: %.1f tokens/s%n", nThreads, bandwidth / 1e9, bytesPerToken / 1e6, roofline);
    }

    private Map<String, Object> toJson(String name, LlamaModel m, int nThreads, List<Benchmark.Result> results, double bandwidth,
            long bytesPerToken) {
        List<Object> rows = new ArrayList<>();
        for (Benchmark.Result r : results) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("test", r.test());
            row.put("tokens_per_second", r.meanTokensPerSecond());
            row.put("stddev", r.stddevTokensPerSecond());
            row.put("seconds", r.seconds());
            rows.add(row);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", name);
        out.put("size_bytes", m.weightBytes());
        out.put("params", parameters(m));
        out.put("backend", "cpu");
        out.put("threads", nThreads);
        out.put("results", rows);
        out.put("memory_bandwidth_bytes_per_second", bandwidth);
        out.put("bytes_per_token", bytesPerToken);
        out.put("decode_roofline_tokens_per_second", bandwidth / bytesPerToken);
        return out;
    }
}
