package ignis.server.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MetricsSnapshotTest {
    private static final String TEXT = """
            # HELP ignis_kv_blocks_used KV blocks holding a sequence's cache.
            # TYPE ignis_kv_blocks_used gauge
            ignis_kv_blocks_used 12
            # TYPE ignis_kv_blocks_total gauge
            ignis_kv_blocks_total 256
            ignis_kv_blocks_free 244
            ignis_requests_running 3
            ignis_requests_waiting{queue="default"} 1
            ignis_requests_waiting{queue="low"} 2
            ignis_tokens_generated_total 1.5e3 1712345678000
            ignis_latency_seconds_bucket{le="+Inf"} +Inf
            garbage line here
            """;

    @Test
    void parsesGaugesLabelsAndTimestamps() {
        MetricsSnapshot m = MetricsSnapshot.parse(TEXT);
        assertEquals(12, m.kvBlocksUsed());
        assertEquals(256, m.kvBlocksTotal());
        assertEquals(244, m.kvBlocksFree());
        assertEquals(3, m.requestsRunning());
        assertEquals(3, m.requestsWaiting(), "label sets are summed");
        assertEquals(1500, m.value("ignis_tokens_generated_total"));
        assertEquals(Double.POSITIVE_INFINITY, m.series().get("ignis_latency_seconds_bucket{le=\"+Inf\"}"));
        assertTrue(Double.isNaN(m.value("ignis_missing")));
        assertTrue(Double.isNaN(m.value("ignis_kv_blocks")), "a prefix of a name is not the name");
        assertFalse(m.idle());
        assertFalse(m.kvPoolFull());
        assertTrue(m.reportsKv());
    }

    @Test
    void idleWithFullPool() {
        MetricsSnapshot m = MetricsSnapshot.parse("ignis_kv_blocks_used 0\nignis_kv_blocks_total 64\nignis_kv_blocks_free 64\n"
                + "ignis_requests_running 0\nignis_requests_waiting 0\n");
        assertTrue(m.idle());
        assertTrue(m.kvPoolFull());
        MetricsSnapshot leak = MetricsSnapshot.parse("ignis_kv_blocks_used 0\nignis_kv_blocks_total 64\nignis_kv_blocks_free 60\n");
        assertFalse(leak.kvPoolFull(), "free != total means blocks went missing");
        assertFalse(MetricsSnapshot.parse("other 1\n").kvPoolFull());
    }

    @Test
    void fetchesFromTheServerAndWaitsForIdle() throws Exception {
        try (FakeSseServer fake = new FakeSseServer(); HttpClient http = SseCompletionClient.newHttpClient()) {
            MetricsClient client = new MetricsClient(http, fake.base());
            fake.metricsText = "ignis_kv_blocks_used 5\nignis_kv_blocks_total 64\nignis_kv_blocks_free 59\nignis_requests_running 1\n";
            // goes idle only after the client has seen the busy text at least once: a fixed delay
            // alone lost the race on a loaded machine, where the first poll came after it
            Thread.ofVirtual().start(() -> {
                try {
                    while (fake.metricsReads.get() == 0) {
                        Thread.sleep(5);
                    }
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                fake.metricsText = "ignis_kv_blocks_used 0\nignis_kv_blocks_total 64\nignis_kv_blocks_free 64\nignis_requests_running 0\n";
            });
            MetricsSnapshot m = client.awaitIdle(Duration.ofSeconds(5));
            assertEquals(0, m.kvBlocksUsed());
            assertTrue(fake.metricsReads.get() > 1, "polled until idle");

            fake.metricsText = "ignis_kv_blocks_used 5\nignis_kv_blocks_total 64\n";
            long t0 = System.nanoTime();
            MetricsSnapshot stuck = client.awaitIdle(Duration.ofMillis(200));
            assertEquals(5, stuck.kvBlocksUsed(), "after the wait, the last snapshot as it was");
            assertTrue(System.nanoTime() - t0 >= 190_000_000L);
        }
    }
}
