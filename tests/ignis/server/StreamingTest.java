package ignis.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Server-sent events: chunks arrive while generating, in OpenAI's shapes, and a client that leaves cancels its sequence. */
class StreamingTest {
    private FakeCompletionService fake;
    private OpenAiServer server;
    private TestHttp http;

    @BeforeEach
    void start() {
        fake = new FakeCompletionService(256, null);
        server = OpenAiServer.start(fake, new ServerOptions("127.0.0.1", 0));
        http = new TestHttp(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theFirstTokenArrivesBeforeGenerationEnds() throws Exception {
        fake.gate = new CountDownLatch(1); // the fake holds every sequence after its first token
        HttpResponse<InputStream> response = http.postStreaming("/v1/completions",
                "{\"prompt\": \"Hello\", \"max_tokens\": 3, \"stream\": true}");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        try (TestHttp.Events events = new TestHttp.Events(response.body())) {
            Object first = events.nextJson();
            assertEquals(0, fake.completed.get(), "the sequence is still being generated");
            assertEquals(" t0", TestHttp.at(first, "choices", 0, "text"));
            assertNull(TestHttp.at(first, "choices", 0, "finish_reason"));
            assertEquals("text_completion", TestHttp.at(first, "object"));
            String id = (String) TestHttp.at(first, "id");
            assertTrue(id.startsWith("cmpl-"));
            fake.gate.countDown();
            StringBuilder text = new StringBuilder(" t0");
            Object chunk;
            while ((chunk = events.nextJson()) != null && TestHttp.at(chunk, "choices", 0, "finish_reason") == null) {
                text.append(TestHttp.at(chunk, "choices", 0, "text"));
                assertEquals(id, TestHttp.at(chunk, "id"));
            }
            assertEquals(" t0 t1 t2", text.toString());
            assertEquals("length", TestHttp.at(chunk, "choices", 0, "finish_reason"));
            assertEquals("", TestHttp.at(chunk, "choices", 0, "text"));
            assertEquals("[DONE]", events.next());
            assertNull(events.next(), "nothing after [DONE]");
        }
        assertEquals(0, fake.cancels.get());
    }

    @Test
    void headersArriveBeforeTheFirstToken() throws Exception {
        fake.tokenDelayMillis = 20_000; // a sequence stuck behind others: no token for a long while
        HttpResponse<InputStream> response = http.postStreaming("/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 1, \"stream\": true}");
        assertEquals(200, response.statusCode());
        response.body().close();
    }

    @Test
    void chatChunksSendTheRoleThenContentThenFinishThenUsage() throws Exception {
        fake.eosAfter = 2;
        HttpResponse<InputStream> response = http.postStreaming("/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"stream\": true, \"max_tokens\": 9,"
                        + " \"stream_options\": {\"include_usage\": true}}");
        assertEquals(200, response.statusCode());
        List<Object> chunks = new ArrayList<>();
        String done;
        try (TestHttp.Events events = new TestHttp.Events(response.body())) {
            String data;
            while ((data = events.next()) != null && !data.equals("[DONE]")) {
                chunks.add(JsonParser.parse(data));
            }
            done = data;
        }
        assertEquals("[DONE]", done);
        assertEquals(5, chunks.size(), chunks.toString());
        for (Object c : chunks) {
            assertEquals("chat.completion.chunk", TestHttp.at(c, "object"));
            assertEquals(TestHttp.at(chunks.getFirst(), "id"), TestHttp.at(c, "id"));
            assertEquals("fake-model", TestHttp.at(c, "model"));
        }
        assertEquals(Map.of("role", "assistant", "content", ""), TestHttp.at(chunks.get(0), "choices", 0, "delta"));
        assertEquals(Map.of("content", " t0"), TestHttp.at(chunks.get(1), "choices", 0, "delta"));
        assertEquals(Map.of("content", " t1"), TestHttp.at(chunks.get(2), "choices", 0, "delta"));
        assertEquals(Map.of(), TestHttp.at(chunks.get(3), "choices", 0, "delta"));
        assertEquals("stop", TestHttp.at(chunks.get(3), "choices", 0, "finish_reason"));
        assertEquals(List.of(), TestHttp.at(chunks.get(4), "choices"));
        assertEquals(2L, TestHttp.at(chunks.get(4), "usage", "completion_tokens"));
    }

    @Test
    void streamedChoicesCarryTheirIndex() throws Exception {
        HttpResponse<InputStream> response = http.postStreaming("/v1/completions",
                "{\"prompt\": \"Hi\", \"stream\": true, \"max_tokens\": 2, \"n\": 2}");
        StringBuilder[] texts = {new StringBuilder(), new StringBuilder()};
        int finished = 0;
        try (TestHttp.Events events = new TestHttp.Events(response.body())) {
            String data;
            while ((data = events.next()) != null && !data.equals("[DONE]")) {
                Object c = JsonParser.parse(data);
                int index = ((Long) TestHttp.at(c, "choices", 0, "index")).intValue();
                texts[index].append(TestHttp.at(c, "choices", 0, "text"));
                finished += TestHttp.at(c, "choices", 0, "finish_reason") != null ? 1 : 0;
            }
            assertEquals("[DONE]", data);
        }
        assertEquals(" t0 t1", texts[0].toString());
        assertEquals(" t0 t1", texts[1].toString());
        assertEquals(2, finished);
    }

    @Test
    void aFailureMidStreamIsAnErrorEvent() throws Exception {
        fake.failWhen = r -> true;
        HttpResponse<InputStream> response = http.postStreaming("/v1/completions", "{\"prompt\": \"Hi\", \"stream\": true, \"max_tokens\": 5}");
        try (TestHttp.Events events = new TestHttp.Events(response.body())) {
            assertEquals(" t0", TestHttp.at(events.nextJson(), "choices", 0, "text"));
            Object error = events.nextJson();
            assertEquals(500L, TestHttp.at(error, "error", "code"));
            assertTrue(((String) TestHttp.at(error, "error", "message")).contains("on purpose"), error.toString());
            assertNull(events.next(), "the stream ends after the error, without [DONE]");
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamCancelsItsSequence() throws Exception {
        fake.tokenDelayMillis = 5; // ~1 s for the whole sequence: the cancel must come long before
        String body = "{\"prompt\": \"Hi\", \"stream\": true, \"max_tokens\": 200}";
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(in.readLine().startsWith("HTTP/1.1 200"));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
                // headers and chunk sizes
            }
            assertTrue(line != null && line.contains("\" t0\""), line);
        } // closed with unread data: the next writes fail
        assertTrue(fake.cancelled.await(5, TimeUnit.SECONDS), "the server cancelled the sequence of the client that left");
        assertEquals(1, fake.cancels.get());
        assertEquals(1, fake.submitted.size());
    }

    /**
     * Without a stream there is nothing to write until the end, so no failing write can tell the
     * server: it must see the connection close while the sequence is still generating.
     */
    @Test
    void aClientThatDisconnectsBeforeANonStreamedAnswerCancelsItsSequence() throws Exception {
        fake.tokenDelayMillis = 50; // 10 s for the whole sequence: the cancel must come long before
        String body = "{\"prompt\": \"Hi\", \"max_tokens\": 200}";
        long start = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (fake.submitted.isEmpty() && System.nanoTime() - start < 5_000_000_000L) {
                Thread.sleep(5);
            }
        }
        assertTrue(fake.cancelled.await(3, TimeUnit.SECONDS), "the server cancelled the sequence of the client that left");
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "cancelled while generating, not after");
        assertEquals(1, fake.cancels.get());
        assertEquals(1, fake.submitted.size());
        assertEquals(0, fake.completed.get());
    }
}
