package ignis.server.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import ignis.cli.Json;
import ignis.server.JsonParser;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ServeBenchmarkTest {
    @Test
    void scalingTableOverLevels() throws Exception {
        try (FakeSseServer fake = new FakeSseServer()) {
            fake.ttftMillis = 30;
            fake.tokenMillis = 10;
            List<String> events = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger warm = new AtomicInteger();
            ProgressSink progress = new ProgressSink() {
                @Override
                public void warmup(int done, int total) {
                    warm.set(done);
                }

                @Override
                public void levelStarted(int concurrency, int requests) {
                    events.add("start " + concurrency + " " + requests);
                }

                @Override
                public void requestDone(int concurrency, int done, int total, RequestResult result) {
                    if (done == total) {
                        events.add("done " + concurrency + " " + total);
                    }
                }

                @Override
                public void levelFinished(LevelStats stats) {
                    events.add("finished " + stats.concurrency());
                }
            };
            ServeBenchOptions options = ServeBenchOptions.defaults().withLevels(1, 2, 4).withPromptTokens(16, 8).withWarmup(1)
                    .withMetricsSettle(Duration.ofSeconds(2));
            ServeBenchReport report = ServeBenchmark.run(fake.base(), options, progress);

            assertEquals(1 + 4, warm.get(), "one request alone, then a round at the highest level");
            assertEquals(List.of("start 1 4", "done 1 4", "finished 1", "start 2 4", "done 2 4", "finished 2",
                    "start 4 8", "done 4 8", "finished 4"), events);
            assertEquals(1 + 4 + 4 + 4 + 8, fake.requests.get());
            assertEquals(4, fake.maxInFlight.get());
            List<LevelStats> levels = report.levels();
            assertEquals(3, levels.size());
            for (LevelStats s : levels) {
                assertEquals(s.requests(), s.ok(), "level " + s.concurrency() + ": " + s.firstError());
                assertEquals(8L * s.requests(), s.outputTokens());
                assertEquals(s.concurrency(), s.maxInFlight());
                assertTrue(s.ttftP50Ms() >= 28 && s.ttftP50Ms() < 200, "TTFT p50 " + s.ttftP50Ms());
                assertTrue(s.tpotP50Ms() >= 8 && s.tpotP50Ms() < 40, "TPOT p50 " + s.tpotP50Ms());
                assertTrue(s.ttftP99Ms() >= s.ttftP50Ms());
                assertTrue(s.metricsAfter().kvPoolFull());
            }
            assertEquals(1.0, report.speedup(levels.get(0)));
            // The fake serves requests independently: 4 at once should be well over twice 1 at once.
            assertTrue(report.speedup(levels.get(2)) > 2.0, "speed-up at 4: " + report.speedup(levels.get(2)));
            assertEquals(1.0, report.decodeSpeedup(levels.get(0)));
            // the fake's TPOT does not grow with concurrency: decode throughput scales with it
            assertTrue(report.decodeSpeedup(levels.get(2)) > 2.5, "decode speed-up at 4: " + report.decodeSpeedup(levels.get(2)));
            assertEquals(4 * 1e3 / levels.get(2).tpotP50Ms(), levels.get(2).decodeTokensPerSecond(), 1e-9);
            assertTrue(report.kvPoolReturnedToFull());

            String md = report.markdown();
            assertTrue(md.contains("| concurrency | requests | output tok/s | speed-up vs c=1 | decode tok/s | decode speed-up | TTFT p50 ms | TTFT p99 ms | TPOT p50 ms | TPOT p99 ms |"), md);
            for (LevelStats s : levels) {
                assertTrue(md.contains("\n| " + s.concurrency() + " | " + s.requests() + " | "), "row for " + s.concurrency() + ":\n" + md);
            }
            assertTrue(md.contains("| 1.00x |"), md);
            assertTrue(md.contains("KV pool returned to full"), md);

            Map<String, Object> json = report.json();
            String text = Json.write(json);
            Object parsed = JsonParser.parse(text);
            assertEquals(3, ((List<?>) JsonParser.at(parsed, "levels")).size());
            assertEquals(4L, JsonParser.at(parsed, "levels", 2, "concurrency"));
            assertEquals(64L, JsonParser.at(parsed, "levels", 2, "output_tokens"));
            assertEquals(0.0, ((Number) JsonParser.at(parsed, "levels", 0, "metrics_after", "kv_blocks_used")).doubleValue());
            assertTrue(JsonParser.at(parsed, "levels", 1, "ttft_ms", "p99") instanceof Double);
            assertEquals(Boolean.TRUE, JsonParser.at(parsed, "kv_pool_returned_to_full"));
        }
    }

    @Test
    void rejectionsCancellationsAndALeakShowInTheReport() throws Exception {
        try (FakeSseServer fake = new FakeSseServer()) {
            fake.tokenMillis = 5;
            fake.rejectEvery = 4;
            fake.metricsText = "ignis_kv_blocks_used 3\nignis_kv_blocks_total 64\nignis_kv_blocks_free 61\nignis_requests_running 0\n";
            ServeBenchOptions options = ServeBenchOptions.defaults().withLevels(2).withRequestsPerLevel(8).withWarmup(0)
                    .withPromptTokens(4, 20).withCancel(0.5, 2).withMetricsSettle(Duration.ofMillis(100));
            ServeBenchReport report = ServeBenchmark.run(fake.base(), options, ProgressSink.NONE);
            LevelStats s = report.levels().getFirst();
            assertEquals(8, s.requests());
            assertEquals(2, s.rejected());
            assertEquals(s.requests(), s.ok() + s.cancelled() + s.rejected() + s.failed());
            assertEquals(0, s.failed(), s.firstError());
            assertTrue(s.cancelled() >= 2, "cancelled " + s.cancelled());
            assertFalse(report.kvPoolReturnedToFull());
            String md = report.markdown();
            assertTrue(md.contains("| 3/64 |"), md);
            assertTrue(md.contains("NOT back to full"), md);
        }
    }

    @Test
    void anUnreachableServerIsAnErrorNotAReport() {
        ServeBenchOptions options = ServeBenchOptions.defaults().withLevels(1).withWarmup(1).withRequestTimeout(Duration.ofSeconds(2));
        IgnisException e = assertThrows(IgnisException.class,
                () -> ServeBenchmark.run(URI.create("http://127.0.0.1:1"), options, ProgressSink.NONE));
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
    }

    @Test
    void defaultRequestsPerLevel() {
        ServeBenchOptions d = ServeBenchOptions.defaults();
        assertEquals(List.of(1, 2, 4, 8, 16), java.util.Arrays.stream(d.levels()).boxed().toList());
        assertEquals(4, d.requestsFor(1));
        assertEquals(4, d.requestsFor(2));
        assertEquals(16, d.requestsFor(8));
        assertEquals(10, d.withRequestsPerLevel(10).requestsFor(8));
        assertThrows(IllegalArgumentException.class, () -> d.withLevels(0));
        assertThrows(IllegalArgumentException.class, () -> d.withCancel(1.5, 2));
        assertEquals(16, ServeBenchOptions.approximatePrompt(16).split(" ").length);
    }
}
