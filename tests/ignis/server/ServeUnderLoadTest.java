package ignis.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.model.LoadListener;
import ignis.model.SyntheticModels;
import ignis.model.synth.ModelShape;
import ignis.runtime.Engine;
import ignis.runtime.EngineOptions;
import ignis.runtime.serving.BatchScheduler;
import ignis.runtime.serving.SchedulerOptions;
import ignis.runtime.serving.ServingStats;
import ignis.server.bench.LevelStats;
import ignis.server.bench.ProgressSink;
import ignis.server.bench.ServeBenchOptions;
import ignis.server.bench.ServeBenchReport;
import ignis.server.bench.ServeBenchmark;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A load run against the real server and scheduler with clients that go away mid-stream and a
 * queue small enough to refuse some: afterwards every KV block is back in the pool, and /metrics
 * says so, with the cancels and refusals counted.
 */
class ServeUnderLoadTest {
    private static final ModelShape SHAPE = new ModelShape(64, 1, 2, 1, 128, 512, 256, 10000f, 1e-5f, false, null);

    @Test
    void cancelsAndRefusalsLeaveThePoolFull() throws Exception {
        try (Engine engine = Engine.load(SyntheticModels.get(SHAPE, "Q8_0", 3),
                EngineOptions.defaults().withBackend("cpu").withThreads(2).withContextLength(256).withBatchTokens(64), LoadListener.NONE);
                BatchScheduler scheduler = BatchScheduler.start(engine, new SchedulerOptions(2, 64, 24, 0, 16, 2, true));
                OpenAiServer server = OpenAiServer.start(scheduler, new ServerOptions("127.0.0.1", 0))) {
            List<String> prompts = List.of("one two three", "four five six seven", "eight nine", "ten eleven twelve thirteen fourteen");
            ServeBenchOptions options = ServeBenchOptions.defaults().withLevels(5).withRequestsPerLevel(24).withWarmup(0)
                    .withPrompts(prompts, 40).withCancel(0.25, 3).withMetricsSettle(Duration.ofSeconds(10));
            ServeBenchReport report = ServeBenchmark.run(URI.create("http://127.0.0.1:" + server.port()), options, ProgressSink.NONE);
            LevelStats level = report.levels().getFirst();
            assertTrue(level.rejected() > 0, "a queue of 2 behind 2 running refuses some of 5 clients: " + level);
            assertTrue(level.cancelled() > 0, level.toString());
            assertTrue(level.ok() > 0, level.toString());
            assertEquals(0, level.failed(), level.firstError());
            assertTrue(report.kvPoolReturnedToFull(), report.markdown());

            Map<String, Double> metrics = PrometheusCheck.parse(new TestHttp(server.port()).get("/metrics").raw().body());
            assertEquals(0.0, metrics.get("ignis_kv_blocks_used"));
            assertEquals(24.0, metrics.get("ignis_kv_blocks_free"));
            assertEquals(0.0, metrics.get("ignis_requests_running"));
            ServingStats stats = scheduler.stats();
            // a stream the client dropped near its end may have finished before the server saw the
            // disconnect: each accepted request ended one way or the other, none in between
            assertEquals(level.ok() + level.cancelled(), stats.requestsFinished() + stats.requestsCancelled(), stats.toString());
            assertEquals(level.rejected(), stats.requestsRejected(), stats.toString());
        }
    }
}
