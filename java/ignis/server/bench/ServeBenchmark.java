package ignis.server.bench;

import ignis.IgnisException;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ignis bench-serve}'s measurement: against a running OpenAI-compatible server, a warm-up,
 * then for each concurrency level a closed-loop load run and a read of /metrics once the server
 * settled; returns the scaling report.
 */
public final class ServeBenchmark {
    private ServeBenchmark() {
    }

    /**
     * Runs the benchmark against {@code base} (e.g. http://127.0.0.1:8080). Throws IgnisException
     * when the server cannot be reached at all (every warm-up request failed without an answer);
     * failures under load are counted in the report instead.
     */
    public static ServeBenchReport run(URI base, ServeBenchOptions options, ProgressSink progress) {
        try (HttpClient http = SseCompletionClient.newHttpClient()) {
            LoadGenerator load = new LoadGenerator(new SseCompletionClient(http, base, options.requestTimeout()));
            MetricsClient metrics = new MetricsClient(http, base);
            warmup(base, options, progress, load);
            List<LevelStats> levels = new ArrayList<>();
            for (int concurrency : options.levels()) {
                int requests = options.requestsFor(concurrency);
                progress.levelStarted(concurrency, requests);
                AtomicInteger done = new AtomicInteger();
                LoadResult result = load.run(new LoadPlan(concurrency, requests, options.mix(), options.cancelFraction(),
                        options.cancelAfterTokens()), r -> progress.requestDone(concurrency, done.incrementAndGet(), requests, r));
                LevelStats stats = LevelStats.of(result, metrics.awaitIdle(options.metricsSettle()));
                levels.add(stats);
                progress.levelFinished(stats);
            }
            return new ServeBenchReport(options.toJson(), levels);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IgnisException("bench-serve interrupted");
        }
    }

    /**
     * The warm-up requests one at a time, then, where a level runs more than one, a round at the
     * highest concurrency: every step size the levels will see is JIT-compiled before any is timed
     * (otherwise compiling them takes a core from the first levels that need them).
     */
    private static void warmup(URI base, ServeBenchOptions options, ProgressSink progress, LoadGenerator load) {
        int n = options.warmupRequests();
        if (n == 0) {
            return;
        }
        int widest = Arrays.stream(options.levels()).max().orElse(1);
        int total = n + (widest > 1 ? widest : 0);
        AtomicInteger done = new AtomicInteger();
        LoadResult warm = load.run(LoadPlan.of(1, n, options.mix()), r -> progress.warmup(done.incrementAndGet(), total));
        boolean unreachable = warm.results().stream().allMatch(r -> r.outcome() == Outcome.FAILED && r.httpStatus() == 0);
        if (unreachable) {
            throw new IgnisException("bench-serve: no answer from " + base + ": " + warm.results().getFirst().error());
        }
        if (widest > 1) {
            load.run(LoadPlan.of(widest, widest, options.mix()), r -> progress.warmup(done.incrementAndGet(), total));
        }
    }
}
