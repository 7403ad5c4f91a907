package ignis.cli;

import ignis.IgnisException;
import ignis.backend.Backend;
import ignis.backend.ExecutorOptions;
import ignis.backend.ModelExecutor;
import ignis.backend.Backends;
import ignis.backend.cpu.MemoryBandwidth;
import ignis.backend.device.DeviceBandwidth;
import ignis.backend.device.DeviceExecutor;
import ignis.model.LlamaModel;
import ignis.model.LlamaWeights;
import ignis.model.LoadListener;
import ignis.peer.LlamaCppBench;
import ignis.runtime.Benchmark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ignis bench}: llama-bench style prompt-processing and generation speed, with the decode
 * figure set against the memory-bandwidth roofline. Without --model it benchmarks a dummy-weight
 * model of a named shape (written once, cached). With --compare-llamacpp, llama.cpp (the peer
 * library) then runs the same tests on the same file and threads in this process.
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

    @Mixin
    BackendOptions where = new BackendOptions();

    @Option(names = "--json", description = "print results as JSON")
    boolean json;

    @Option(names = "--compare-llamacpp", description = "after ours, run the same tests with llama.cpp (the de.kherud:llama jar's "
            + "build) on the same file and threads, and print ours / llama.cpp per test")
    boolean compareLlamaCpp;

    @Override
    public Integer call() {
        checkLengths("-p/--n-prompt", promptLengths);
        checkLengths("-n/--n-gen", generationLengths);
        if (positives(promptLengths) + positives(generationLengths) == 0) {
            throw new IgnisException("-p and -n are all 0: no test to run");
        }
        if (reps < 1) {
            throw new IgnisException("-r/--reps must be >= 1, got " + reps);
        }
        int nThreads = threads != null ? threads : ExecutorOptions.defaultThreads();
        // Before the long run: a missing llama.cpp library fails here, with where it looked.
        String peerLabel = compareLlamaCpp ? LlamaCppBench.label() : null;
        Path file = model != null ? model : DummyModels.get(shape, type, 1);
        String modelName = model != null ? model.getFileName().toString() : shape + " " + type.toUpperCase() + " (dummy weights)";
        int longestPrompt = Math.max(1, promptLengths.stream().mapToInt(Integer::intValue).max().orElse(1));
        int longestGeneration = generationLengths.stream().mapToInt(Integer::intValue).max().orElse(0);
        ProgressBar bar = new ProgressBar("bench", true);
        int totalReps = (positives(promptLengths) + positives(generationLengths)) * reps * (compareLlamaCpp ? 2 : 1);
        int[] done = {0};
        try (LlamaModel m = LlamaModel.load(file, LoadListener.NONE)) {
            List<Benchmark.Result> results;
            Backend chosen = Backends.byName(where.backendName());
            Roofline roof;
            try (ModelExecutor ex = chosen.load(m, new ExecutorOptions(nThreads, Math.min(longestPrompt, 512), where.gpuLayers))) {
                results = runTests(new Benchmark(ex), (test, rep, of) -> bar.update(++done[0], totalReps, test + " rep " + rep + "/" + of));
                roof = ex instanceof DeviceExecutor d
                        ? new Roofline(DeviceBandwidth.measure(d.device(), 1L << 30, 5), d.device().name() + ", device-to-device copy")
                        : new Roofline(MemoryBandwidth.measure(1024, nThreads, 3), nThreads + " threads");
            }
            List<Benchmark.Result> peerResults = List.of();
            if (compareLlamaCpp) {
                try (LlamaCppBench peer = new LlamaCppBench(file, nThreads, longestPrompt, longestGeneration)) {
                    peerResults = runTests(new Benchmark(peer),
                            (test, rep, of) -> bar.update(++done[0], totalReps, "llama.cpp " + test + " rep " + rep + "/" + of));
                }
            }
            bar.finish();
            long bytesPerToken = bytesReadPerToken(m);
            Table table = new Table(modelName, m, chosen.name(), nThreads, roof, bytesPerToken);
            if (json) {
                System.out.println(Json.write(table.toJson(results, peerLabel, peerResults)));
            } else {
                table.print(results, peerLabel, peerResults);
            }
        }
        return 0;
    }

    private List<Benchmark.Result> runTests(Benchmark bench, Benchmark.RepListener progress) {
        List<Benchmark.Result> results = new ArrayList<>();
        // a length of 0 skips that test, as in llama-bench (-p 0: decode only)
        for (int p : promptLengths) {
            if (p > 0) {
                results.add(bench.prompt(p, reps, progress));
            }
        }
        for (int n : generationLengths) {
            if (n > 0) {
                results.add(bench.generation(n, reps, progress));
            }
        }
        return results;
    }

    private static void checkLengths(String option, List<Integer> lengths) {
        for (int n : lengths) {
            if (n < 0) {
                throw new IgnisException(option + ": lengths must be >= 0 (0 skips the test), got " + n);
            }
        }
    }

    private static int positives(List<Integer> lengths) {
        return (int) lengths.stream().filter(n -> n > 0).count();
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

    /** Our ratio to llama.cpp in one test: mean tokens/s over mean tokens/s. */
    static double ratio(Benchmark.Result ours, Benchmark.Result theirs) {
        return ours.meanTokensPerSecond() / theirs.meanTokensPerSecond();
    }

    /** Measured memory bandwidth (bytes/s) and how it was measured. */
    private record Roofline(double bandwidth, String how) {
    }

    /** The report: results of one or two engines on one model, with the decode roofline. */
    private record Table(String name, LlamaModel m, String backend, int threads, Roofline roof, long bytesPerToken) {

        double roofline() {
            return roof.bandwidth() / bytesPerToken;
        }

        /** Markdown: each test's llama.cpp row follows ours, then the ratios. */
        void print(List<Benchmark.Result> results, String peerLabel, List<Benchmark.Result> peerResults) {
            System.out.println("| model | size | params | backend | threads | test | t/s | % roofline |");
            System.out.println("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |");
            for (int i = 0; i < results.size(); i++) {
                printRow(backend, results.get(i));
                if (!peerResults.isEmpty()) {
                    printRow(peerLabel, peerResults.get(i));
                }
            }
            if (!peerResults.isEmpty()) {
                System.out.printf("%n| test | ignis t/s | llama.cpp t/s | ratio (ignis / llama.cpp) |%n| ---: | ---: | ---: | ---: |%n");
                for (int i = 0; i < results.size(); i++) {
                    Benchmark.Result ours = results.get(i);
                    Benchmark.Result theirs = peerResults.get(i);
                    System.out.printf("| %s | %.2f | %.2f | %.3f |%n", ours.test(), ours.meanTokensPerSecond(), theirs.meanTokensPerSecond(),
                            ratio(ours, theirs));
                }
            }
            System.out.printf("%nmemory bandwidth (measured, %s): %.1f GB/s; bytes read per decoded token: %.1f MB; "
                    + "decode roofline: %.1f tokens/s%n", roof.how(), roof.bandwidth() / 1e9, bytesPerToken / 1e6, roofline());
        }

        private void printRow(String backend, Benchmark.Result r) {
            String pct = r.test().startsWith("tg") ? String.format("%.0f%%", 100 * r.meanTokensPerSecond() / roofline()) : "";
            System.out.printf("| %s | %.2f MiB | %.2f M | %s | %d | %s | %.2f ± %.2f | %s |%n", name, m.weightBytes() / 1048576.0,
                    parameters(m) / 1e6, backend, threads, r.test(), r.meanTokensPerSecond(), r.stddevTokensPerSecond(), pct);
        }

        Map<String, Object> toJson(List<Benchmark.Result> results, String peerLabel, List<Benchmark.Result> peerResults) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", name);
            out.put("size_bytes", m.weightBytes());
            out.put("params", parameters(m));
            out.put("backend", backend);
            out.put("threads", threads);
            out.put("results", rows(results));
            if (!peerResults.isEmpty()) {
                Map<String, Object> peer = new LinkedHashMap<>();
                peer.put("backend", peerLabel);
                peer.put("results", rows(peerResults));
                out.put("llama_cpp", peer);
                List<Object> ratios = new ArrayList<>();
                for (int i = 0; i < results.size(); i++) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("test", results.get(i).test());
                    row.put("ratio", ratio(results.get(i), peerResults.get(i)));
                    ratios.add(row);
                }
                out.put("ratios", ratios);
            }
            out.put("memory_bandwidth_bytes_per_second", roof.bandwidth());
            out.put("memory_bandwidth_measured_by", roof.how());
            out.put("bytes_per_token", bytesPerToken);
            out.put("decode_roofline_tokens_per_second", roofline());
            return out;
        }

        private static List<Object> rows(List<Benchmark.Result> results) {
            List<Object> rows = new ArrayList<>();
            for (Benchmark.Result r : results) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("test", r.test());
                row.put("tokens_per_second", r.meanTokensPerSecond());
                row.put("stddev", r.stddevTokensPerSecond());
                row.put("seconds", r.seconds());
                rows.add(row);
            }
            return rows;
        }
    }
}
