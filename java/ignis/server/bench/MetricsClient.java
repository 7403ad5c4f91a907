package ignis.server.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads GET {base}/metrics. */
public final class MetricsClient {
    private final HttpClient http;
    private final URI metrics;

    public MetricsClient(HttpClient http, URI base) {
        this.http = http;
        this.metrics = Urls.join(base, "/metrics");
    }

    public MetricsSnapshot fetch() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).GET().build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("GET " + metrics + ": HTTP " + response.statusCode());
        }
        return MetricsSnapshot.parse(response.body());
    }

    /**
     * Polls until the server is idle with its KV pool full, or {@code maxWait} passed, and returns
     * the last snapshot (null if /metrics could not be read). Waiting matters: a cancelled stream's
     * blocks are freed when the server notices the disconnect, which can be after the client's
     * last request returned.
     */
    public MetricsSnapshot awaitIdle(Duration maxWait) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        MetricsSnapshot last = null;
        while (true) {
            try {
                last = fetch();
                if (last.idle() && (last.kvPoolFull() || !last.reportsKv())) {
                    return last;
                }
            } catch (IOException e) {
                // Keep the last good snapshot, if any; a server without /metrics gives null.
            }
            if (System.nanoTime() >= deadline) {
                return last;
            }
            Thread.sleep(20);
        }
    }
}
