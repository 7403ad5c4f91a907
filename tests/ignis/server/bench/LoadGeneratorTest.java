package ignis.server.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {
    private FakeSseServer fake;
    private HttpClient http;
    private LoadGenerator load;

    @BeforeEach
    void start() throws Exception {
        fake = new FakeSseServer();
        http = SseCompletionClient.newHttpClient();
        load = new LoadGenerator(new SseCompletionClient(http, fake.base(), Duration.ofSeconds(10)));
    }

    @AfterEach
    void stop() {
        http.close();
        fake.close();
    }

    @Test
    void concurrencyIsExactlyTheNumberInFlight() {
        fake.ttftMillis = 20;
        fake.tokenMillis = 10;
        AtomicInteger heard = new AtomicInteger();
        LoadResult run = load.run(LoadPlan.of(3, 12, RequestMix.of(new CompletionRequest("p", 6))), r -> heard.incrementAndGet());

        assertEquals(12, run.results().size());
        assertEquals(12, run.count(Outcome.OK));
        assertEquals(12, heard.get());
        assertEquals(3, fake.maxInFlight.get(), "the server saw a different number of requests at once");
        assertEquals(3, run.maxInFlight());
        for (int i = 0; i < 12; i++) {
            assertEquals(i, run.results().get(i).index(), "results are in request order");
            assertEquals(6, run.results().get(i).tokenEvents());
        }
        // 12 requests of ~70 ms, 3 at a time: about 4 rounds, far from 12 one by one.
        double wallMs = run.wallNanos() / 1e6;
        assertTrue(wallMs >= 4 * 70 - 10 && wallMs < 12 * 70, "wall " + wallMs + " ms");
    }

    @Test
    void aFractionOfRequestsIsCancelledAndTheServerSeesEachDisconnect() throws Exception {
        fake.tokenMillis = 10;
        LoadPlan plan = new LoadPlan(2, 8, RequestMix.of(new CompletionRequest("p", 40)), 0.25, 2);
        LoadResult run = load.run(plan);

        assertEquals(2, run.count(Outcome.CANCELLED));
        assertEquals(6, run.count(Outcome.OK));
        for (RequestResult r : run.results()) {
            assertEquals(plan.cancels(r.index()) ? 2 : 40, r.tokenEvents(), "request " + r.index());
        }
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (fake.disconnects.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(2, fake.disconnects.get());
        assertEquals(6, fake.completed.get());
    }

    @Test
    void rejectedRequestsAreCountedNotRetried() {
        fake.rejectEvery = 2;
        LoadResult run = load.run(LoadPlan.of(1, 6, RequestMix.of(new CompletionRequest("p", 3))));
        assertEquals(3, run.count(Outcome.REJECTED));
        assertEquals(3, run.count(Outcome.OK));
        assertEquals(6, fake.requests.get());
    }

    @Test
    void cancelledRequestsSpreadEvenly() {
        LoadPlan plan = new LoadPlan(1, 10, RequestMix.of(new CompletionRequest("p", 3)), 0.3, 1);
        List<Integer> cancelled = java.util.stream.IntStream.range(0, 10).filter(plan::cancels).boxed().toList();
        assertEquals(List.of(3, 6, 9), cancelled);
        LoadPlan none = LoadPlan.of(1, 10, RequestMix.of(new CompletionRequest("p", 3)));
        assertTrue(java.util.stream.IntStream.range(0, 10).noneMatch(none::cancels));
    }

    @Test
    void mixesAreRoundRobinOrSeededRandom() {
        List<CompletionRequest> entries = List.of(new CompletionRequest("a", 1), new CompletionRequest("b", 2),
                new CompletionRequest("c", 3));
        RequestMix rr = RequestMix.roundRobin(entries);
        assertEquals(List.of("a", "b", "c", "a", "b"), java.util.stream.IntStream.range(0, 5).mapToObj(i -> rr.get(i).prompt()).toList());
        RequestMix r1 = RequestMix.seededRandom(entries, 42);
        RequestMix r2 = RequestMix.seededRandom(entries, 42);
        List<String> a = java.util.stream.IntStream.range(0, 30).mapToObj(i -> r1.get(i).prompt()).toList();
        assertEquals(a, java.util.stream.IntStream.range(0, 30).mapToObj(i -> r2.get(i).prompt()).toList());
        assertTrue(a.containsAll(List.of("a", "b", "c")), "seeded pick uses every entry: " + a);
        assertTrue(!a.equals(java.util.stream.IntStream.range(0, 30).mapToObj(i -> rr.get(i).prompt()).toList()));
    }
}
