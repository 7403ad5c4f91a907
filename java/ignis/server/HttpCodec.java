package ignis.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** HTTP/1.1 on the wire (RFC 9112): request heads, Content-Length and chunked bodies, chunked responses. */
final class HttpCodec {
    /** Longest request head (request line and headers) read. */
    static final int MAX_HEAD_BYTES = 32 << 10;

    private HttpCodec() {
    }

    /** A request line and its headers; header names compare ignoring case. */
    record Head(String method, String path, String version, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name);
        }

        boolean http10() {
            return version.equals("HTTP/1.0");
        }

        /** Whether the client lets the connection stay open after this exchange. */
        boolean keepAlive() {
            String connection = header("Connection");
            return http10() ? "keep-alive".equalsIgnoreCase(connection) : !"close".equalsIgnoreCase(connection);
        }

        boolean chunked() {
            String te = header("Transfer-Encoding");
            return te != null && te.toLowerCase(java.util.Locale.ROOT).contains("chunked");
        }
    }

    /** A request the connection cannot go on from: answered with {@code status}, then the connection closes. */
    static final class BadRequest extends IOException {
        final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** Reads a request head; the first byte of it was read already ({@code first}). */
    static Head readHead(int first, InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        line.write(first);
        int total = 1;
        String requestLine = null;
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new BadRequest(400, "the connection ended inside the request head");
            }
            if (++total > MAX_HEAD_BYTES) {
                throw new BadRequest(431, "the request head is over " + MAX_HEAD_BYTES + " bytes");
            }
            if (b != '\n') {
                line.write(b);
                continue;
            }
            String text = line.toString(StandardCharsets.ISO_8859_1);
            line.reset();
            if (text.endsWith("\r")) {
                text = text.substring(0, text.length() - 1);
            }
            if (requestLine == null) {
                if (text.isEmpty()) {
                    continue; // a stray CRLF before a request is allowed
                }
                requestLine = text;
            } else if (text.isEmpty()) {
                return head(requestLine, headers);
            } else {
                int colon = text.indexOf(':');
                if (colon <= 0) {
                    throw new BadRequest(400, "malformed header line: " + text);
                }
                headers.putIfAbsent(text.substring(0, colon).strip(), text.substring(colon + 1).strip());
            }
        }
    }

    private static Head head(String requestLine, Map<String, String> headers) throws BadRequest {
        String[] parts = requestLine.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            throw new BadRequest(400, "malformed request line: " + requestLine);
        }
        String path;
        try {
            path = URI.create(parts[1]).getPath();
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, "malformed request target: " + parts[1]);
        }
        if (path == null) {
            throw new BadRequest(400, "the request target has no path: " + parts[1]);
        }
        return new Head(parts[0], path, parts[2], headers);
    }

    /** The body's declared length, or -1 when there is none (no body, or a chunked one). */
    static long contentLength(Head head) throws BadRequest {
        String declared = head.header("Content-Length");
        if (declared == null || head.chunked()) {
            return -1;
        }
        try {
            long length = Long.parseLong(declared.strip());
            if (length < 0) {
                throw new NumberFormatException();
            }
            return length;
        } catch (NumberFormatException e) {
            throw new BadRequest(400, "the Content-Length header is not a length: " + declared);
        }
    }

    /** A chunked body, decoded, up to {@code limit} + 1 bytes (one past the limit says it is over). */
    static byte[] readChunked(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            int semicolon = sizeLine.indexOf(';');
            long size;
            try {
                size = Long.parseLong((semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).strip(), 16);
            } catch (NumberFormatException e) {
                throw new BadRequest(400, "malformed chunk size: " + sizeLine);
            }
            if (size == 0) {
                while (!readLine(in).isEmpty()) {
                    // trailer fields: ignored
                }
                return body.toByteArray();
            }
            if (body.size() + size > limit) {
                body.write(in.readNBytes(limit + 1 - body.size()));
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes((int) size);
            if (chunk.length < size) {
                throw new BadRequest(400, "the connection ended inside a chunk");
            }
            body.write(chunk);
            readLine(in); // the CRLF after the chunk
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new BadRequest(400, "the connection ended inside a chunked body");
            }
            if (line.size() > 1024) {
                throw new BadRequest(400, "a chunk size line is over 1024 bytes");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    /** Writes what it is given as chunks; {@link #close} writes the last chunk (the stream below stays open). */
    static final class ChunkedOutput extends OutputStream {
        private final OutputStream out;

        ChunkedOutput(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return; // a zero-length chunk would end the body
            }
            out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(b, off, len);
            out.write(CRLF);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};
}
