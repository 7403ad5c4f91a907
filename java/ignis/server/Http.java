package ignis.server;

import ignis.cli.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading bodies and writing JSON, text and OpenAI error responses on an exchange. */
final class Http {
    private Http() {
    }

    /** The whole request body, or a 413 when it was over {@code limit} bytes (by its Content-Length or as read). */
    static byte[] readBody(Exchange exchange, int limit) {
        if (exchange.bodyOverLimit() != null) {
            throw tooLarge(exchange.bodyOverLimit(), limit);
        }
        return exchange.body();
    }

    private static ApiException tooLarge(String size, int limit) {
        return new ApiException(413, "invalid_request_error", null,
                "the request body is " + size + ", more than the server's limit of " + limit + " bytes", 0);
    }

    static void sendJson(Exchange exchange, int status, Object json) throws IOException {
        send(exchange, status, "application/json", Json.write(json));
    }

    static void send(Exchange exchange, int status, String contentType, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.setResponseHeader("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.responseBody().write(bytes);
    }

    /** OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}} with the status as code. */
    static Map<String, Object> errorBody(int status, String type, String param, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", status);
        return Map.of("error", error);
    }

    static void sendError(Exchange exchange, ApiException e) throws IOException {
        if (e.retryAfterSeconds > 0) {
            exchange.setResponseHeader("Retry-After", Integer.toString(e.retryAfterSeconds));
        }
        sendJson(exchange, e.status, errorBody(e.status, e.type, e.param, e.getMessage()));
    }
}
