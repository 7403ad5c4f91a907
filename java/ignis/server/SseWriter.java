package ignis.server;

import ignis.cli.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events on a response body: {@code data: JSON\n\n} per event, flushed at once so each
 * token reaches the client as it is generated rather than when a buffer fills.
 */
final class SseWriter {
    private final OutputStream out;

    SseWriter(OutputStream out) {
        this.out = out;
    }

    void data(Object json) throws IOException {
        write("data: " + Json.write(json) + "\n\n");
    }

    /** The OpenAI end-of-stream marker. */
    void done() throws IOException {
        write("data: [DONE]\n\n");
    }

    /** A comment line, ignored by clients: keeps an idle stream alive and finds out whether the client is still there. */
    void comment(String text) throws IOException {
        write(": " + text + "\n\n");
    }

    private void write(String event) throws IOException {
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
