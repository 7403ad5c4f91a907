package ignis.server;

import com.sun.net.httpserver.HttpExchange;
import ignis.cli.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading bodies and writing JSON, text and OpenAI error responses on an exchange. */
final class Http {
    private Http() {
    }

    /** The whole request body, or a 413 when it is over {@code limit} bytes (by its Content-Length or as read). */
    static byte[] readBody(HttpExchange exchange, int limit) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.strip());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest(null, "the Content-Length header is not a number: " + declared);
            }
            if (length > limit) {
                throw tooLarge(length + " bytes", limit);
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(limit + 1); // a chunked body has no length up front: read one past the limit
            if (body.length > limit) {
                throw tooLarge("more than " + limit + " bytes", limit);
            }
            return body;
        }
    }

    private static ApiException tooLarge(String size, int limit) {
        return new ApiException(413, "invalid_request_error", null,
                "the request body is " + size + ", more than the server's limit of " + limit + " bytes", 0);
    }

    static void sendJson(HttpExchange exchange, int status, Object json) throws IOException {
        send(exchange, status, "application/json", Json.write(json));
    }

    static void send(HttpExchange exchange, int status, String contentType, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
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

    static void sendError(HttpExchange exchange, ApiException e) throws IOException {
        if (e.retryAfterSeconds > 0) {
            exchange.getResponseHeaders().set("Retry-After", Integer.toString(e.retryAfterSeconds));
        }
        sendJson(exchange, e.status, errorBody(e.status, e.type, e.param, e.getMessage()));
    }
}
