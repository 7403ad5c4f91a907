package ignis.server.bench;

import ignis.server.JsonParseException;
import ignis.server.JsonParser;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends one streaming completion request (POST /v1/completions, "stream": true) and times the
 * server-sent events as they arrive: each chunk with non-empty text is a token event. Thread-safe:
 * one instance serves every concurrent request of a run (the HttpClient pools the connections).
 */
public final class SseCompletionClient {
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final HttpClient http;
    private final URI completions;
    private final Duration timeout;

    /**
     * @param http    shared client; HTTP/1.1 so each in-flight stream has its own connection,
     *                as most load generators (and browsers) do against an OpenAI server
     * @param base    the server's base URL, e.g. http://127.0.0.1:8080
     * @param timeout whole-request limit: a stream still open then is closed and counted FAILED
     */
    public SseCompletionClient(HttpClient http, URI base, Duration timeout) {
        this.http = http;
        this.completions = Urls.join(base, "/v1/completions");
        this.timeout = timeout;
    }

    /** An HttpClient fit for the benchmark: HTTP/1.1, short connect timeout. */
    public static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** Runs {@code request} to its end. */
    public RequestResult complete(int index, CompletionRequest request) {
        return complete(index, request, 0);
    }

    /**
     * Runs {@code request}; with {@code cancelAfterTokens > 0} closes the stream after that many
     * token events (the result is CANCELLED unless the stream had already finished), which a server
     * sees as a disconnect and must answer by freeing the sequence's slot and KV blocks.
     */
    public RequestResult complete(int index, CompletionRequest request, int cancelAfterTokens) {
        Recorder rec = new Recorder(index, request.maxTokens());
        HttpRequest httpRequest = HttpRequest.newBuilder(completions)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(request.toJson(), StandardCharsets.UTF_8))
                .build();
        rec.start = System.nanoTime();
        try {
            HttpResponse<InputStream> response = http.send(httpRequest, HttpResponse.BodyHandlers.ofInputStream());
            rec.status = response.statusCode();
            try (InputStream body = response.body()) {
                if (rec.status / 100 != 2) {
                    readError(rec, response, body);
                } else {
                    readStream(rec, body, cancelAfterTokens);
                }
            }
        } catch (IOException e) {
            rec.fail(rec.timedOut.get() ? "timed out after " + timeout.toMillis() + " ms" : describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            rec.fail("interrupted");
        }
        return rec.result();
    }

    private void readError(Recorder rec, HttpResponse<InputStream> response, InputStream body) throws IOException {
        String text = new String(body.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
        String message = null;
        try {
            if (JsonParser.at(JsonParser.parse(text), "error", "message") instanceof String s) {
                message = s;
            }
        } catch (JsonParseException notJson) {
            // Keep the raw body below: a proxy's HTML page says more than nothing.
        }
        if (message == null) {
            message = text.isBlank() ? "HTTP " + rec.status : text.strip();
        }
        rec.retryAfter = response.headers().firstValue("Retry-After").orElse(null);
        rec.outcome = rec.status == 429 ? Outcome.REJECTED : Outcome.FAILED;
        rec.error = "HTTP " + rec.status + ": " + message;
    }

    private void readStream(Recorder rec, InputStream body, int cancelAfterTokens) throws IOException {
        // The HTTP timeout only covers the headers: a stream that stalls is closed by this watchdog.
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                long left = timeout.toNanos() - (System.nanoTime() - rec.start);
                if (left > 0) {
                    Thread.sleep(Duration.ofNanos(left));
                }
                rec.timedOut.set(true);
                body.close();
            } catch (InterruptedException | IOException done) {
                // Interrupted: the stream ended first.
            }
        });
        try {
            SseLineReader lines = new SseLineReader(body);
            StringBuilder data = new StringBuilder();
            boolean hasData = false;
            String line;
            while ((line = lines.readLine()) != null) {
                long now = System.nanoTime();
                if (line.isEmpty()) {
                    // A blank line ends an event.
                    if (hasData && dispatch(rec, data.toString(), now, cancelAfterTokens)) {
                        if (rec.outcome == Outcome.OK) {
                            // Read to the end of the body so the connection goes back to the pool.
                            while (lines.readLine() != null) {
                                // nothing after [DONE] is timed
                            }
                        }
                        return;
                    }
                    data.setLength(0);
                    hasData = false;
                } else if (line.startsWith("data:")) {
                    String v = line.substring(5);
                    data.append(hasData ? "\n" : "").append(v.startsWith(" ") ? v.substring(1) : v);
                    hasData = true;
                }
                // Comments (":") and other fields (event:, id:, retry:) carry nothing timed here.
            }
            if (hasData && dispatch(rec, data.toString(), System.nanoTime(), cancelAfterTokens)) {
                return;
            }
            if (rec.timedOut.get()) {
                rec.fail("timed out after " + timeout.toMillis() + " ms");
            } else if (rec.finishReason != null) {
                rec.finish(Outcome.OK);
            } else {
                rec.fail("stream ended before a finish_reason or [DONE] (" + rec.tokenCount + " tokens)");
            }
        } finally {
            watchdog.interrupt();
        }
    }

    /** Handles one event's data; true when the stream is over (done, failed or cancelled). */
    private static boolean dispatch(Recorder rec, String data, long now, int cancelAfterTokens) {
        if (data.equals("[DONE]")) {
            rec.finish(Outcome.OK);
            return true;
        }
        Object chunk;
        try {
            chunk = JsonParser.parse(data);
        } catch (JsonParseException e) {
            rec.fail("bad chunk: " + e.getMessage());
            return true;
        }
        if (JsonParser.at(chunk, "error") != null) {
            Object msg = JsonParser.at(chunk, "error", "message");
            rec.fail("error event: " + (msg != null ? msg : data));
            return true;
        }
        if (JsonParser.at(chunk, "choices", 0, "text") instanceof String text && !text.isEmpty()) {
            rec.token(now);
        } else {
            rec.emptyChunks++;
        }
        if (JsonParser.at(chunk, "choices", 0, "finish_reason") instanceof String reason) {
            rec.finishReason = reason;
        }
        if (JsonParser.at(chunk, "usage", "completion_tokens") instanceof Number n) {
            rec.usageTokens = n.intValue();
        }
        if (cancelAfterTokens > 0 && rec.tokenCount >= cancelAfterTokens && rec.finishReason == null) {
            rec.finish(Outcome.CANCELLED);
            return true;
        }
        return false;
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    /** Mutable state of one request while it streams; turned into the immutable result at the end. */
    private static final class Recorder {
        final int index;
        final int maxTokens;
        final AtomicBoolean timedOut = new AtomicBoolean();
        long start;
        long end;
        int status;
        Outcome outcome;
        String error;
        String retryAfter;
        String finishReason;
        long[] tokens = new long[64];
        int tokenCount;
        int emptyChunks;
        int usageTokens = -1;

        Recorder(int index, int maxTokens) {
            this.index = index;
            this.maxTokens = maxTokens;
        }

        void token(long now) {
            if (tokenCount == tokens.length) {
                tokens = Arrays.copyOf(tokens, tokenCount * 2);
            }
            tokens[tokenCount++] = now - start;
        }

        void finish(Outcome o) {
            if (outcome == null) {
                outcome = o;
                end = System.nanoTime();
            }
        }

        void fail(String why) {
            if (outcome == null) {
                error = why;
            }
            finish(Outcome.FAILED);
        }

        RequestResult result() {
            if (outcome == null) {
                fail("no outcome");
            }
            return new RequestResult(index, maxTokens, outcome, status, error, retryAfter, finishReason, start,
                    Arrays.copyOf(tokens, tokenCount), emptyChunks, usageTokens, end - start);
        }
    }
}
