package ignis.server.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the OpenAI-compatible server: streams max_tokens token chunks (or a fixed count),
 * the first after {@code ttftMillis}, the rest {@code tokenMillis} apart, and counts what the
 * benchmark must be checked against: requests in flight at once, disconnects seen mid-stream.
 */
final class FakeSseServer implements AutoCloseable {
    static {
        // Without TCP_NODELAY, Nagle's algorithm would hold back small token chunks and skew timings.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final Pattern MAX_TOKENS = Pattern.compile("\"max_tokens\"\\s*:\\s*(\\d+)");

    volatile long ttftMillis = 0;
    volatile long tokenMillis = 0;
    /** Tokens per request; 0 = the request's max_tokens. */
    volatile int fixedTokens = 0;
    /** Every n-th request (by arrival, from 1) is answered 429; 0 = never. */
    volatile int rejectEvery = 0;
    /** Also send an empty-text chunk before every token. */
    volatile boolean emptyChunks = false;
    /** Send headers, then nothing. */
    volatile boolean hang = false;
    volatile String metricsText = "ignis_kv_blocks_used 0\nignis_kv_blocks_total 64\nignis_kv_blocks_free 64\n"
            + "ignis_requests_running 0\nignis_requests_waiting 0\n";
    volatile String lastBody;

    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicInteger disconnects = new AtomicInteger();
    final AtomicInteger completed = new AtomicInteger();
    final AtomicInteger metricsReads = new AtomicInteger();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    FakeSseServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(executor);
        server.createContext("/v1/completions", this::completions);
        server.createContext("/metrics", this::metrics);
        server.start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void completions(HttpExchange ex) throws IOException {
        int n = requests.incrementAndGet();
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        lastBody = body;
        if (rejectEvery > 0 && n % rejectEvery == 0) {
            byte[] err = "{\"error\":{\"message\":\"queue full\",\"type\":\"overloaded\"}}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Retry-After", "2");
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(429, err.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(err);
            }
            return;
        }
        Matcher m = MAX_TOKENS.matcher(body);
        int tokens = fixedTokens > 0 ? fixedTokens : m.find() ? Integer.parseInt(m.group(1)) : 16;
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        boolean counted = true;
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            if (hang) {
                Thread.sleep(60_000);
            }
            Thread.sleep(ttftMillis);
            for (int i = 0; i < tokens; i++) {
                if (emptyChunks) {
                    out.write(chunk("", null));
                }
                out.write(chunk("t" + i + " ", null));
                out.flush();
                if (i < tokens - 1) {
                    Thread.sleep(tokenMillis);
                }
            }
            // Out of flight before the client can see the end, so its next request never overlaps.
            inFlight.decrementAndGet();
            counted = false;
            out.write(chunk("", "length"));
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            completed.incrementAndGet();
        } catch (IOException e) {
            disconnects.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (counted) {
                inFlight.decrementAndGet();
            }
            ex.close();
        }
    }

    private void metrics(HttpExchange ex) throws IOException {
        metricsReads.incrementAndGet();
        byte[] text = metricsText.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
        ex.sendResponseHeaders(200, text.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(text);
        }
    }

    private static byte[] chunk(String text, String finish) {
        String json = "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\""
                + text + "\",\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}]}";
        return ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
