package ignis.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A small HTTP client for the server tests: JSON in, parsed JSON out, and a line reader for event streams. */
final class TestHttp {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;

    TestHttp(int port) {
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    /** A response with its body parsed as JSON (null when the body is not JSON). */
    record Reply(int status, HttpResponse<String> raw, Object json) {
        Map<?, ?> map() {
            return (Map<?, ?>) json;
        }

        /** The value at a path of keys and list indices, e.g. {@code at("choices", 0, "text")}. */
        Object at(Object... path) {
            return TestHttp.at(json, path);
        }
    }

    Reply post(String path, String body) throws IOException, InterruptedException {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    Reply get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        Object json;
        try {
            json = JsonParser.parse(r.body());
        } catch (JsonParseException notJson) {
            json = null;
        }
        return new Reply(r.statusCode(), r, json);
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json");
    }

    /** POST with the body streamed back as it arrives. */
    HttpResponse<InputStream> postStreaming(String path, String body) throws IOException, InterruptedException {
        return client.send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    static Object at(Object json, Object... path) {
        Object v = json;
        for (Object key : path) {
            if (key instanceof Integer i) {
                v = v instanceof java.util.List<?> l && i < l.size() ? l.get(i) : null;
            } else {
                v = v instanceof Map<?, ?> m ? m.get(key) : null;
            }
        }
        return v;
    }

    /** Reads server-sent events: the data of each, comments skipped. */
    static final class Events implements AutoCloseable {
        private final BufferedReader in;

        Events(InputStream in) {
            this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        }

        /** The next event's data, or null at the end of the stream. */
        String next() throws IOException {
            StringBuilder data = null;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        return data.toString();
                    }
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
                }
            }
            return data == null ? null : data.toString();
        }

        /** The next event parsed as JSON. */
        Object nextJson() throws IOException {
            String data = next();
            if (data == null) {
                throw new AssertionError("the stream ended where an event was expected");
            }
            return JsonParser.parse(data);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
