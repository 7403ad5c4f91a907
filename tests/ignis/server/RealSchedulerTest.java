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
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The server over the real continuous-batching scheduler on the CPU, on a small synthetic model:
 * greedy text over HTTP is the same streamed or not (the scheduler's own tests compare it with the
 * engine alone), usage counts the tokens, and the KV pool is empty again afterwards.
 */
class RealSchedulerTest {
    /** As small as a model gets: the point is the HTTP path, not the numbers. */
    private static final ModelShape SHAPE = new ModelShape(64, 1, 2, 1, 128, 512, 128, 10000f, 1e-5f, false, null);

    @Test
    void completionsStreamsAndChatOverTheRealScheduler() throws Exception {
        try (Engine engine = Engine.load(SyntheticModels.get(SHAPE, "F32", 7),
                EngineOptions.defaults().withBackend("cpu").withThreads(2).withContextLength(128).withBatchTokens(64), LoadListener.NONE);
                BatchScheduler scheduler = BatchScheduler.start(engine, new SchedulerOptions(4, 64, 64, 0, 16, 8, true));
                OpenAiServer server = OpenAiServer.start(scheduler, new ServerOptions("127.0.0.1", 0))) {
            TestHttp http = new TestHttp(server.port());
            String body = "{\"model\": \"" + scheduler.modelName() + "\", \"prompt\": \"Hello world\", \"max_tokens\": 8,"
                    + " \"temperature\": 0, \"ignore_eos\": true";

            TestHttp.Reply r = http.post("/v1/completions", body + "}");
            assertEquals(200, r.status(), r.raw().body());
            String greedy = (String) r.at("choices", 0, "text");
            assertEquals(8L, r.at("usage", "completion_tokens"));
            assertEquals((long) engine.tokenizer().encode("Hello world", true, true).length, r.at("usage", "prompt_tokens"));

            HttpResponse<InputStream> stream = http.postStreaming("/v1/completions", body + ", \"stream\": true}");
            StringBuilder text = new StringBuilder();
            try (TestHttp.Events events = new TestHttp.Events(stream.body())) {
                String data;
                while ((data = events.next()) != null && !data.equals("[DONE]")) {
                    text.append(TestHttp.at(JsonParser.parse(data), "choices", 0, "text"));
                }
                assertEquals("[DONE]", data);
            }
            assertEquals(greedy, text.toString(), "greedy: the stream's pieces make the same text");

            TestHttp.Reply chat = http.post("/v1/chat/completions",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 4, \"temperature\": 0}");
            assertEquals(200, chat.status(), chat.raw().body());
            assertTrue(chat.at("choices", 0, "message", "content") instanceof String);

            Map<String, Double> metrics = PrometheusCheck.parse(http.get("/metrics").raw().body());
            assertEquals(0.0, metrics.get("ignis_kv_blocks_used"));
            assertEquals(64.0, metrics.get("ignis_kv_blocks_total"));
            assertTrue(metrics.get("ignis_generated_tokens_total") >= 16, metrics.toString());
            assertEquals(3.0, metrics.get("ignis_requests_finished_total"));
        }
    }
}
