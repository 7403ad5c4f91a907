package ignis.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.runtime.serving.LatencyHistogram;
import ignis.runtime.serving.ServingStats;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server end to end on an ephemeral port over the fake service: non-streamed answers, errors, metrics. */
class OpenAiServerTest {
    private static final int CONTEXT = 128;
    private FakeCompletionService fake;
    private OpenAiServer server;
    private TestHttp http;

    @BeforeEach
    void start() {
        fake = new FakeCompletionService(CONTEXT, "{{ '<|im_start|>' + message['role'] }}");
        server = OpenAiServer.start(fake, new ServerOptions("127.0.0.1", 0));
        http = new TestHttp(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void completion() throws Exception {
        long before = System.currentTimeMillis() / 1000;
        TestHttp.Reply r = http.post("/v1/completions", "{\"model\": \"fake-model\", \"prompt\": \"Hello\", \"max_tokens\": 4}");
        assertEquals(200, r.status(), r.raw().body());
        assertTrue(r.raw().headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertTrue(((String) r.at("id")).startsWith("cmpl-"), r.raw().body());
        assertEquals("text_completion", r.at("object"));
        assertEquals("fake-model", r.at("model"));
        long created = (Long) r.at("created");
        assertTrue(created >= before && created <= before + 5, "created is a Unix time in seconds");
        assertEquals(1, ((List<?>) r.at("choices")).size());
        assertEquals(0L, r.at("choices", 0, "index"));
        assertEquals(" t0 t1 t2 t3", r.at("choices", 0, "text"));
        assertEquals("length", r.at("choices", 0, "finish_reason"));
        int promptTokens = fake.tokenizer.encode("Hello", true, true).length;
        assertEquals(Map.of("prompt_tokens", (long) promptTokens, "completion_tokens", 4L, "total_tokens", promptTokens + 4L), r.at("usage"));
        assertEquals(0, fake.cancels.get(), "a finished request cancels nothing");
    }

    @Test
    void chatCompletionUsesTheModelsChatFormat() throws Exception {
        fake.eosAfter = 2;
        TestHttp.Reply r = http.post("/v1/chat/completions",
                "{\"messages\": [{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 5}");
        assertEquals(200, r.status(), r.raw().body());
        assertTrue(((String) r.at("id")).startsWith("chatcmpl-"));
        assertEquals("chat.completion", r.at("object"));
        assertEquals(Map.of("role", "assistant", "content", " t0 t1"), r.at("choices", 0, "message"));
        assertEquals("stop", r.at("choices", 0, "finish_reason"));
        assertEquals(2L, r.at("usage", "completion_tokens"));
        int[] expected = fake.tokenizer.encode("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                true, true);
        assertEquals(List.of(expected.length), List.of(fake.submitted.getFirst().prompt().length));
        assertTrue(java.util.Arrays.equals(expected, fake.submitted.getFirst().prompt()), "the prompt is the ChatML text");
    }

    @Test
    void nChoicesAreCollected() throws Exception {
        TestHttp.Reply r = http.post("/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 3, \"n\": 3, \"seed\": 100}");
        assertEquals(200, r.status(), r.raw().body());
        List<?> choices = (List<?>) r.at("choices");
        assertEquals(3, choices.size());
        for (int i = 0; i < 3; i++) {
            assertEquals((long) i, r.at("choices", i, "index"));
            assertEquals(" t0 t1 t2", r.at("choices", i, "text"));
        }
        assertEquals(9L, r.at("usage", "completion_tokens"));
        assertEquals(List.of(100L, 101L, 102L), fake.submitted.stream().map(c -> c.params().sampling().seed()).sorted().toList());
    }

    @Test
    void fullQueueIs429WithRetryAfter() throws Exception {
        fake.acceptBeforeFull = 0;
        fake.retryAfterSeconds = 7;
        TestHttp.Reply r = http.post("/v1/completions", "{\"prompt\": \"Hi\"}");
        assertEquals(429, r.status());
        assertEquals("7", r.raw().headers().firstValue("Retry-After").orElse(null));
        assertEquals("rate_limit_error", r.at("error", "type"));
        assertEquals(429L, r.at("error", "code"));
        assertTrue(((String) r.at("error", "message")).contains("busy"), r.raw().body());
    }

    @Test
    void aRefusedChoiceCancelsTheOnesAlreadySubmitted() throws Exception {
        fake.acceptBeforeFull = 1;
        fake.gate = new CountDownLatch(1); // keep the first choice running
        TestHttp.Reply r = http.post("/v1/completions", "{\"prompt\": \"Hi\", \"n\": 3, \"max_tokens\": 5}");
        assertEquals(429, r.status());
        assertEquals(1, fake.cancels.get());
    }

    @Test
    void unknownModelIs404() throws Exception {
        TestHttp.Reply r = http.post("/v1/chat/completions", "{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}");
        assertEquals(404, r.status());
        assertEquals("not_found_error", r.at("error", "type"));
        assertEquals("model", r.at("error", "param"));
        assertEquals(404L, r.at("error", "code"));
        assertTrue(fake.submitted.isEmpty());
    }

    @Test
    void invalidJsonIs400NamingTheOffset() throws Exception {
        TestHttp.Reply r = http.post("/v1/completions", "{\"prompt\": \"x\",, }");
        assertEquals(400, r.status());
        assertEquals("invalid_request_error", r.at("error", "type"));
        assertNull(r.at("error", "param"));
        String message = (String) r.at("error", "message");
        assertTrue(message.contains("not valid JSON") && message.contains("at offset 15"), message);
    }

    @Test
    void wrongTypedKeyIs400NamingIt() throws Exception {
        TestHttp.Reply r = http.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": \"abc\"}");
        assertEquals(400, r.status());
        assertEquals("max_tokens", r.at("error", "param"));
        assertEquals("\"max_tokens\" must be an integer >= 0, got \"abc\"", r.at("error", "message"));
    }

    @Test
    void promptOverTheContextIs400() throws Exception {
        int promptTokens = fake.tokenizer.encode("Hello", true, true).length;
        TestHttp.Reply r = http.post("/v1/completions", "{\"prompt\": \"Hello\", \"max_tokens\": " + CONTEXT + "}");
        assertEquals(400, r.status());
        String message = (String) r.at("error", "message");
        assertTrue(message.contains("the prompt has " + promptTokens + " tokens and \"max_tokens\" is " + CONTEXT)
                && message.contains("context length " + CONTEXT), message);
        assertTrue(fake.submitted.isEmpty());
    }

    @Test
    void aRequestTheServiceRefusesIs400() throws Exception {
        fake.refuse = "prompt token 0 is 7, outside the vocabulary";
        TestHttp.Reply r = http.post("/v1/completions", "{\"prompt\": [7]}");
        assertEquals(400, r.status());
        assertEquals("prompt token 0 is 7, outside the vocabulary", r.at("error", "message"));
    }

    @Test
    void aFailingRequestIs500WhileAConcurrentOneSucceeds() throws Exception {
        fake.failWhen = req -> req.params().maxTokens() == 13;
        fake.gate = new CountDownLatch(1);
        CompletableFuture<TestHttp.Reply> failing = CompletableFuture.supplyAsync(() -> post("{\"prompt\": \"a\", \"max_tokens\": 13}"));
        CompletableFuture<TestHttp.Reply> fine = CompletableFuture.supplyAsync(() -> post("{\"prompt\": \"b\", \"max_tokens\": 5}"));
        fake.firstToken.await();
        while (fake.submitted.size() < 2) {
            Thread.onSpinWait();
        }
        fake.gate.countDown(); // both are in flight: let them go on
        TestHttp.Reply bad = failing.get();
        TestHttp.Reply good = fine.get();
        assertEquals(500, bad.status(), bad.raw().body());
        assertEquals("server_error", bad.at("error", "type"));
        assertTrue(((String) bad.at("error", "message")).contains("the fake failed this sequence on purpose"), bad.raw().body());
        assertEquals(200, good.status(), good.raw().body());
        assertEquals(" t0 t1 t2 t3 t4", good.at("choices", 0, "text"));
    }

    private static double value(Map<String, Double> metrics, String series) {
        Double v = metrics.get(series);
        if (v == null) {
            throw new AssertionError("no series " + series + " in " + metrics.keySet());
        }
        return v;
    }

    private TestHttp.Reply post(String body) {
        try {
            return http.post("/v1/completions", body);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void modelsHealthAndRouting() throws Exception {
        TestHttp.Reply models = http.get("/v1/models");
        assertEquals(200, models.status());
        assertEquals("list", models.at("object"));
        assertEquals("fake-model", models.at("data", 0, "id"));
        assertEquals("model", models.at("data", 0, "object"));
        assertEquals("ignis", models.at("data", 0, "owned_by"));
        assertTrue(models.at("data", 0, "created") instanceof Long);
        assertEquals(Map.of("status", "ok"), http.get("/health").json());

        TestHttp.Reply wrongMethod = http.get("/v1/completions");
        assertEquals(405, wrongMethod.status());
        assertEquals("POST", wrongMethod.raw().headers().firstValue("Allow").orElse(null));
        assertEquals(405L, wrongMethod.at("error", "code"));
        assertEquals(405, http.send(http.request("/health").POST(HttpRequest.BodyPublishers.ofString("{}")).build()).status());

        TestHttp.Reply unknown = http.get("/v2/whatever");
        assertEquals(404, unknown.status());
        assertEquals("not_found_error", unknown.at("error", "type"));
        assertEquals(404, http.get("/v1/completions/extra").status());
    }

    @Test
    void bodiesOverTheLimitAre413() throws Exception {
        try (OpenAiServer small = OpenAiServer.start(fake, new ServerOptions("127.0.0.1", 0).withMaxBodyBytes(64))) {
            TestHttp client = new TestHttp(small.port());
            TestHttp.Reply r = client.post("/v1/completions", "{\"prompt\": \"" + "x".repeat(100) + "\"}");
            assertEquals(413, r.status());
            assertTrue(((String) r.at("error", "message")).contains("limit of 64 bytes"), r.raw().body());
            assertEquals(200, client.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 1}").status());
        }
    }

    @Test
    void metricsAreValidPrometheusTextWithTheServicesNumbers() throws Exception {
        LatencyHistogram ttft = new LatencyHistogram();
        ttft.observe(0.003);
        ttft.observe(0.2);
        ttft.observe(100);
        LatencyHistogram tpot = new LatencyHistogram();
        tpot.observe(0.02);
        tpot.observe(0.02);
        fake.stats = new ServingStats(3, 2, 100, 40, 7, 1234, 56, 789, 10, 2, 1, 4, 5, 12.5, ttft.snapshot(), tpot.snapshot());
        TestHttp.Reply r = http.get("/metrics");
        assertEquals(200, r.status());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.raw().headers().firstValue("Content-Type").orElse(null));
        Map<String, Double> m = PrometheusCheck.parse(r.raw().body());
        assertEquals(3, value(m, "ignis_requests_waiting"));
        assertEquals(2, value(m, "ignis_requests_running"));
        assertEquals(100, value(m, "ignis_kv_blocks_total"));
        assertEquals(40, value(m, "ignis_kv_blocks_used"));
        assertEquals(60, value(m, "ignis_kv_blocks_free"));
        assertEquals(7, value(m, "ignis_kv_blocks_cached"));
        assertEquals(12.5, value(m, "ignis_tokens_per_second"));
        assertEquals(1234, value(m, "ignis_prompt_tokens_total"));
        assertEquals(56, value(m, "ignis_prefix_cache_hit_tokens_total"));
        assertEquals(789, value(m, "ignis_generated_tokens_total"));
        assertEquals(10, value(m, "ignis_requests_finished_total"));
        assertEquals(2, value(m, "ignis_requests_cancelled_total"));
        assertEquals(1, value(m, "ignis_requests_failed_total"));
        assertEquals(4, value(m, "ignis_requests_rejected_total"));
        assertEquals(5, value(m, "ignis_preemptions_total"));
        String h = "ignis_time_to_first_token_seconds";
        assertEquals(0, value(m, h + "_bucket{le=\"0.001\"}"));
        assertEquals(1, value(m, h + "_bucket{le=\"0.005\"}"));
        assertEquals(2, value(m, h + "_bucket{le=\"0.25\"}"));
        assertEquals(2, value(m, h + "_bucket{le=\"80\"}"));
        assertEquals(3, value(m, h + "_bucket{le=\"+Inf\"}"));
        assertEquals(3, value(m, h + "_count"));
        assertEquals(100.203, value(m, h + "_sum"), 1e-9);
        assertEquals(LatencyHistogram.BOUNDS.length + 3, m.keySet().stream().filter(k -> k.startsWith(h)).count());
        assertEquals(2, value(m, "ignis_time_per_output_token_seconds_bucket{le=\"0.025\"}"));
        assertEquals(0.04, value(m, "ignis_time_per_output_token_seconds_sum"), 1e-12);
        String text = r.raw().body();
        assertTrue(text.contains("# TYPE ignis_prompt_tokens_total counter\n"), text);
        assertTrue(text.contains("# TYPE ignis_requests_waiting gauge\n"), text);
        assertTrue(text.contains("# TYPE " + h + " histogram\n"), text);
    }
}
