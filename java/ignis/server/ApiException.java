package ignis.server;

/**
 * A request the server answers with an error status: carried up to the handler, which writes it
 * as OpenAI's error JSON ({@code {"error":{"message","type","param","code"}}}).
 */
final class ApiException extends RuntimeException {
    final int status;
    final String type;
    /** The request key at fault, or null. */
    final String param;
    /** Seconds for a Retry-After header (429), or 0 for none. */
    final int retryAfterSeconds;

    ApiException(int status, String type, String param, String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, message, 0);
    }

    static ApiException notFound(String param, String message) {
        return new ApiException(404, "not_found_error", param, message, 0);
    }

    static ApiException busy(String message, int retryAfterSeconds) {
        return new ApiException(429, "rate_limit_error", null, message, Math.max(1, retryAfterSeconds));
    }

    static ApiException internal(String message) {
        return new ApiException(500, "server_error", null, message, 0);
    }
}
