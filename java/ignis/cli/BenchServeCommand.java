package ignis.cli;

import ignis.runtime.Engine;
import ignis.runtime.serving.BatchScheduler;
import ignis.server.OpenAiServer;
import ignis.server.ServerOptions;
import ignis.server.bench.LevelStats;
import ignis.server.bench.ProgressSink;
import ignis.server.bench.RequestResult;
import ignis.server.bench.ServeBenchOptions;
import ignis.server.bench.ServeBenchReport;
import ignis.server.bench.ServeBenchmark;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ignis bench-serve}: drives an OpenAI-compatible server on loopback (our own, started in
 * this process on the given model, or any at {@code --url}) with 1 to 16 concurrent streaming
 * requests and reports throughput, TTFT and TPOT per concurrency level.
 */
@Command(name = "bench-serve",
        description = "Benchmark serving: output tokens/s, TTFT and TPOT (p50/p99) at each concurrency, and the scaling from the first level.")
public final class BenchServeCommand implements Callable<Integer> {

    @Mixin
    ServingOptions serving = new ServingOptions();

    @Option(names = "--url", description = "benchmark the server at this base URL instead of starting one")
    URI url;

    @Option(names = "--levels", split = ",", defaultValue = "1,2,4,8,16", description = "concurrency levels (default ${DEFAULT-VALUE})")
    int[] levels;

    @Option(names = "--requests", defaultValue = "0", description = "requests per level; 0 = max(4, 2 x concurrency)")
    int requests;

    @Option(names = "--prompt-tokens", defaultValue = "32", description = "about this many prompt tokens per request (default ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--max-tokens", defaultValue = "64", description = "tokens generated per request (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--cancel-fraction", defaultValue = "0", description = "share of requests that disconnect after 4 tokens (default ${DEFAULT-VALUE})")
    double cancelFraction;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Override
    public Integer call() {
        ServeBenchOptions options = ServeBenchOptions.defaults().withLevels(levels).withRequestsPerLevel(requests)
                .withPrompts(distinctPrompts(), maxTokens).withCancel(cancelFraction, 4);
        if (url != null) {
            report(ServeBenchmark.run(url, options, progress()), Map.of("server", url.toString()));
            return 0;
        }
        try (Engine engine = serving.loadEngine();
                BatchScheduler scheduler = BatchScheduler.start(engine, serving.schedulerOptions());
                OpenAiServer server = OpenAiServer.start(scheduler, new ServerOptions("127.0.0.1", 0))) {
            Map<String, Object> setup = new LinkedHashMap<>();
            setup.put("model", serving.model != null ? serving.model.toString() : serving.shape + " " + serving.type + " (dummy weights)");
            setup.put("backend", serving.backend);
            setup.put("threads", engine.executor() instanceof ignis.backend.cpu.CpuExecutor ? (Object) threadsUsed() : "-");
            setup.put("max_batch", serving.maxBatch);
            setup.put("kv_blocks", scheduler.stats().kvBlocksTotal());
            report(ServeBenchmark.run(URI.create("http://127.0.0.1:" + server.port()), options, progress()), setup);
        }
        return 0;
    }

    private int threadsUsed() {
        return serving.threads != null ? serving.threads : ignis.backend.ExecutorOptions.defaultThreads();
    }

    /** Each request its own prompt (a numbered variant), so the prefix cache does not turn the load into one prompt. */
    private List<String> distinctPrompts() {
        int count = 0;
        for (int level : levels) {
            count = Math.max(count, requests > 0 ? requests : Math.max(4, 2 * level));
        }
        List<String> prompts = new ArrayList<>();
        String body = ServeBenchOptions.approximatePrompt(Math.max(1, promptTokens - 2));
        for (int i = 0; i < count; i++) {
            prompts.add("request " + i + " " + body);
        }
        return prompts;
    }

    private void report(ServeBenchReport report, Map<String, Object> setup) {
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>(setup);
            all.putAll(report.json());
            System.out.println(Json.write(all));
            return;
        }
        setup.forEach((k, v) -> System.out.println(k + ": " + v));
        System.out.println();
        System.out.print(report.markdown());
    }

    private static ProgressSink progress() {
        ProgressBar bar = new ProgressBar("bench-serve", true);
        return new ProgressSink() {
            @Override
            public void warmup(int done, int total) {
                bar.update(done, total, "warm-up");
            }

            @Override
            public void requestDone(int concurrency, int done, int total, RequestResult result) {
                bar.update(done, total, "concurrency " + concurrency);
            }

            @Override
            public void levelFinished(LevelStats stats) {
                bar.finish();
            }
        };
    }
}
