package ignis.server.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.server.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SseCompletionClientTest {
    private FakeSseServer fake;
    private HttpClient http;
    private SseCompletionClient client;

    @BeforeEach
    void start() throws Exception {
        fake = new FakeSseServer();
        http = SseCompletionClient.newHttpClient();
        client = new SseCompletionClient(http, fake.base(), Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        http.close();
        fake.close();
    }

    @Test
    void timesFirstTokenAndTokenGapsAsTheyArrive() {
        fake.ttftMillis = 150;
        fake.tokenMillis = 40;
        client.complete(0, new CompletionRequest("warm", 2)); // first connection and JIT out of the timing
        RequestResult r = client.complete(1, new CompletionRequest("hello", 8));

        assertEquals(Outcome.OK, r.outcome(), r.error());
        assertEquals(200, r.httpStatus());
        assertEquals(8, r.tokenEvents());
        assertEquals(8, r.outputTokens());
        assertEquals("length", r.finishReason());
        assertEquals(1, r.emptyChunks(), "the final chunk carries no text");
        double ttftMs = r.ttftNanos() / 1e6;
        assertTrue(ttftMs >= 145 && ttftMs < 260, "TTFT " + ttftMs + " ms, fake waits 150 ms");
        double tpotMs = r.tpotNanos() / 1e6;
        assertTrue(tpotMs >= 35 && tpotMs < 70, "TPOT " + tpotMs + " ms, fake sends every 40 ms");
        // Each gap, not just the average: tokens must not arrive in bursts.
        long[] t = r.tokenNanos();
        for (int i = 1; i < t.length; i++) {
            double gap = (t[i] - t[i - 1]) / 1e6;
            assertTrue(gap >= 20, "gap " + i + " was " + gap + " ms: tokens were buffered, not read as they came");
        }
        double totalMs = r.totalNanos() / 1e6;
        assertTrue(totalMs >= 150 + 7 * 40 - 5, "total " + totalMs + " ms");
    }

    @Test
    void sendsAGreedyStreamingIgnoreEosBody() {
        client.complete(0, new CompletionRequest("say \"hi\"", 3));
        Object body = JsonParser.parse(fake.lastBody);
        assertEquals("say \"hi\"", JsonParser.at(body, "prompt"));
        assertEquals(3L, JsonParser.at(body, "max_tokens"));
        assertEquals(0L, JsonParser.at(body, "temperature"));
        assertEquals(Boolean.TRUE, JsonParser.at(body, "stream"));
        assertEquals(Boolean.TRUE, JsonParser.at(body, "ignore_eos"));
    }

    @Test
    void emptyTextChunksAreNotTokens() {
        fake.emptyChunks = true;
        RequestResult r = client.complete(0, new CompletionRequest("x", 5));
        assertEquals(Outcome.OK, r.outcome(), r.error());
        assertEquals(5, r.tokenEvents());
        assertEquals(6, r.emptyChunks());
    }

    @Test
    void a429IsRejectedWithTheServersMessageAndRetryAfter() {
        fake.rejectEvery = 1;
        RequestResult r = client.complete(0, new CompletionRequest("x", 5));
        assertEquals(Outcome.REJECTED, r.outcome());
        assertEquals(429, r.httpStatus());
        assertEquals("2", r.retryAfter());
        assertTrue(r.error().contains("queue full"), r.error());
        assertEquals(0, r.tokenEvents());
        assertEquals(-1, r.ttftNanos());
    }

    @Test
    void cancellingClosesTheStreamAndTheServerSeesIt() throws Exception {
        fake.tokenMillis = 10;
        RequestResult r = client.complete(0, new CompletionRequest("x", 100), 3);
        assertEquals(Outcome.CANCELLED, r.outcome());
        assertEquals(3, r.tokenEvents());
        assertNull(r.finishReason());
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (fake.disconnects.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, fake.disconnects.get(), "the fake never saw the client go away");
        assertEquals(0, fake.completed.get());
    }

    @Test
    void aStalledStreamTimesOut() {
        fake.hang = true;
        SseCompletionClient impatient = new SseCompletionClient(http, fake.base(), Duration.ofMillis(300));
        long t0 = System.nanoTime();
        RequestResult r = impatient.complete(0, new CompletionRequest("x", 5));
        assertEquals(Outcome.FAILED, r.outcome());
        assertTrue(r.error().contains("timed out"), r.error());
        assertTrue((System.nanoTime() - t0) / 1e6 < 3000, "the watchdog did not end the stream");
    }

    @Test
    void noServerIsAFailureWithoutStatus() {
        SseCompletionClient nowhere = new SseCompletionClient(http, URI.create("http://127.0.0.1:1"), Duration.ofSeconds(2));
        RequestResult r = nowhere.complete(0, new CompletionRequest("x", 5));
        assertEquals(Outcome.FAILED, r.outcome());
        assertEquals(0, r.httpStatus());
        assertTrue(r.error() != null && !r.error().isBlank());
    }
}
