package ignis.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One request and its response on a connection of {@link HttpListener}. The body was read before
 * the handler runs (up to the server's limit). A response has a length or, sent with length 0,
 * is chunked (a stream; close its body to end it). {@link #onHangUp} learns when the client
 * closes its end while the handler is still at work.
 */
final class Exchange {
    private final HttpCodec.Head head;
    private final byte[] body;
    private final String bodyOverLimit;
    private final OutputStream socketOut;
    private final CompletableFuture<Integer> nextByte;
    private final Map<String, String> responseHeaders = new LinkedHashMap<>();
    private int responseCode = -1;
    private OutputStream responseBody;
    /** The body when it has a length (or runs to the end of the connection), and that length (-1: none). */
    private Unclosing fixedBody;
    private long declaredLength;
    private boolean closeConnection;

    /**
     * @param bodyOverLimit null, or how large the body was when it was over the limit (then
     *     {@code body} is null and the connection closes after the response)
     * @param nextByte the connection's next byte (-1: the client closed its end), read while
     *     the handler runs
     */
    Exchange(HttpCodec.Head head, byte[] body, String bodyOverLimit, OutputStream socketOut, CompletableFuture<Integer> nextByte) {
        this.head = head;
        this.body = body;
        this.bodyOverLimit = bodyOverLimit;
        this.socketOut = socketOut;
        this.nextByte = nextByte;
        this.closeConnection = !head.keepAlive() || bodyOverLimit != null;
    }

    String method() {
        return head.method();
    }

    String path() {
        return head.path();
    }

    /** The first value of a request header, or null. */
    String requestHeader(String name) {
        return head.header(name);
    }

    /** The request body; null when it was over the server's limit (see {@link #bodyOverLimit}). */
    byte[] body() {
        return body;
    }

    /** How large the body was when over the limit ("N bytes", "more than N bytes"), else null. */
    String bodyOverLimit() {
        return bodyOverLimit;
    }

    /** Runs {@code action} (on another thread) once the client has closed its end of the connection. */
    void onHangUp(Runnable action) {
        nextByte.thenAccept(b -> {
            if (b < 0) {
                action.run();
            }
        });
    }

    void setResponseHeader(String name, String value) {
        responseHeaders.put(name, value);
    }

    /** The status sent, or -1 before {@link #sendResponseHeaders}. */
    int responseCode() {
        return responseCode;
    }

    /** Sends the status line and headers: a body of {@code length} bytes, or chunked for 0. */
    void sendResponseHeaders(int status, long length) throws IOException {
        if (responseCode != -1) {
            throw new IllegalStateException("the response headers were sent already");
        }
        responseCode = status;
        boolean chunked = length == 0;
        if (chunked && head.http10()) {
            closeConnection = true; // HTTP/1.0 has no chunks: the body ends with the connection
        }
        StringBuilder h = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        responseHeaders.forEach((name, value) -> h.append(name).append(": ").append(value).append("\r\n"));
        if (!chunked) {
            h.append("Content-Length: ").append(length).append("\r\n");
        } else if (!head.http10()) {
            h.append("Transfer-Encoding: chunked\r\n");
        }
        if (closeConnection) {
            h.append("Connection: close\r\n");
        }
        socketOut.write(h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        if (chunked && !head.http10()) {
            responseBody = new HttpCodec.ChunkedOutput(socketOut);
        } else {
            fixedBody = new Unclosing(socketOut);
            declaredLength = chunked ? -1 : length;
            responseBody = fixedBody;
        }
    }

    /** The response body after {@link #sendResponseHeaders}. */
    OutputStream responseBody() {
        if (responseBody == null) {
            throw new IllegalStateException("send the response headers first");
        }
        return responseBody;
    }

    /** Ends the response (the last chunk of a stream) and says whether the connection can take another request. */
    boolean finish() throws IOException {
        if (responseBody == null) {
            return false; // no response at all: only closing tells the client
        }
        responseBody.close();
        socketOut.flush();
        // a body shorter than its Content-Length (the handler failed half-way) leaves the client
        // waiting for the rest: only closing ends it
        boolean whole = fixedBody == null || declaredLength < 0 || fixedBody.written == declaredLength;
        return whole && !closeConnection;
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Content Too Large";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status " + status;
        };
    }

    /** A body without chunks: counts what is written; closing it flushes and leaves the connection open. */
    private static final class Unclosing extends java.io.FilterOutputStream {
        long written;

        Unclosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            written++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            written += len;
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
