package ignis.server;

import ignis.cli.Json;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A small HTTP/1.1 server: one virtual thread per connection, keep-alive, request bodies with a
 * Content-Length or chunked (and Expect: 100-continue), responses with a length or chunked.
 *
 * <p>Our own rather than com.sun.net.httpserver's because a handler must learn that its client
 * left while it is still generating, before it has anything to write: once a request's body is
 * read, the connection's next read (the start of the next request, or the end of the stream when
 * the client closes) runs on its own virtual thread, and the {@link Exchange} hears of it. A
 * client that only shuts down its sending side counts as gone too (as llama.cpp's server sees
 * it): HTTP/1.1 clients keep both sides open until they have their answer.
 */
final class HttpListener implements AutoCloseable {
    /** Answers one exchange; whatever it throws closes the connection. */
    interface Handler {
        void handle(Exchange exchange) throws IOException;
    }

    /** A request head (or its body) must arrive within this. */
    private static final int READ_TIMEOUT_MILLIS = 30_000;
    /** A kept-alive connection with no next request for this long is closed. */
    private static final long IDLE_SECONDS = 120;
    /** How long, and how much, a closing connection reads of what its client still sends. */
    private static final int LINGER_MILLIS = 1000;
    private static final long LINGER_BYTES = 1 << 20;

    private final ServerSocket server;
    private final Handler handler;
    private final int maxBodyBytes;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private Future<?> acceptLoop;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private HttpListener(ServerSocket server, Handler handler, int maxBodyBytes) {
        this.server = server;
        this.handler = handler;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Listens on {@code host:port} (0: any free port); bodies over {@code maxBodyBytes} reach the handler as over the limit. */
    static HttpListener start(String host, int port, int maxBodyBytes, Handler handler) throws IOException {
        ServerSocket server = new ServerSocket();
        try {
            // a port whose last connections linger in TIME_WAIT can be listened on again at once
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(host, port), 128);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        HttpListener listener = new HttpListener(server, handler, maxBodyBytes);
        listener.acceptLoop = listener.threads.submit(listener::accept);
        return listener;
    }

    int port() {
        return server.getLocalPort();
    }

    /** Stops accepting and closes every connection; handlers are interrupted. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        // a socket closed while a (virtual) thread waits in accept is released when that thread
        // leaves accept: wait for it, so that the port is free once close returns
        try {
            acceptLoop.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // closing anyway
        }
        for (Socket socket : open) {
            closeQuietly(socket);
        }
        threads.shutdownNow();
    }

    private void accept() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue; // one failed accept (the peer reset first) does not stop the server
            }
            open.add(socket);
            threads.submit(() -> serve(socket));
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true); // stream events are small and must go at once
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            CompletableFuture<Integer> next = nextByte(in);
            while (true) {
                int first = next.get(IDLE_SECONDS, TimeUnit.SECONDS);
                if (first < 0) {
                    return;
                }
                socket.setSoTimeout(READ_TIMEOUT_MILLIS);
                Exchange exchange;
                try {
                    HttpCodec.Head head = HttpCodec.readHead(first, in);
                    Body body = readBody(head, in, out);
                    socket.setSoTimeout(0); // the watch for the next byte waits as long as the handler takes
                    next = nextByte(in);
                    exchange = new Exchange(head, body.bytes, body.overLimit, out, next);
                } catch (HttpCodec.BadRequest e) {
                    refuse(out, e);
                    lingeringClose(socket, in, null);
                    return;
                }
                handler.handle(exchange);
                if (!exchange.finish()) {
                    lingeringClose(socket, in, next);
                    return;
                }
            }
        } catch (IOException | ExecutionException | TimeoutException e) {
            // the client left, sent garbage, or idled too long: the connection ends
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is closing
        } finally {
            open.remove(socket);
        }
    }

    /** The connection's next byte, read on a virtual thread of its own; -1 once the client has closed its end. */
    private static CompletableFuture<Integer> nextByte(InputStream in) {
        CompletableFuture<Integer> next = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                next.complete(in.read());
            } catch (IOException e) {
                next.complete(-1);
            }
        });
        return next;
    }

    private record Body(byte[] bytes, String overLimit) {
    }

    private Body readBody(HttpCodec.Head head, InputStream in, OutputStream out) throws IOException {
        long length = HttpCodec.contentLength(head);
        if (length > maxBodyBytes) {
            return new Body(null, length + " bytes"); // not read: the connection closes after the answer
        }
        if ("100-continue".equalsIgnoreCase(head.header("Expect")) && !head.http10()) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        if (head.chunked()) {
            byte[] bytes = HttpCodec.readChunked(in, maxBodyBytes);
            return bytes.length > maxBodyBytes ? new Body(null, "more than " + maxBodyBytes + " bytes") : new Body(bytes, null);
        }
        byte[] bytes = length > 0 ? in.readNBytes((int) length) : new byte[0];
        if (bytes.length < length) {
            throw new HttpCodec.BadRequest(400, "the connection ended " + bytes.length + " bytes into a body of " + length);
        }
        return new Body(bytes, null);
    }

    /** Answers a request the connection cannot go on from, in OpenAI's error shape, and lets the connection close. */
    private static void refuse(OutputStream out, HttpCodec.BadRequest e) throws IOException {
        byte[] body = Json.write(Http.errorBody(e.status, "invalid_request_error", null, e.getMessage())).getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + e.status + " " + Exchange.reason(e.status) + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    /**
     * Before the server closes a connection whose client may still be sending (a body over the
     * limit, a bad head): ends the output and reads what comes for a while. Closing with unread
     * data would reset the connection, and the client could lose the answer it has not read yet.
     * {@code pending} is the read in flight, which ends before this one reads.
     */
    private static void lingeringClose(Socket socket, InputStream in, CompletableFuture<Integer> pending) {
        try {
            socket.shutdownOutput();
            if (pending != null && pending.get(LINGER_MILLIS, TimeUnit.MILLISECONDS) < 0) {
                return;
            }
            socket.setSoTimeout(LINGER_MILLIS);
            byte[] sink = new byte[8192];
            long drained = 0;
            for (int n = in.read(sink); n >= 0 && drained < LINGER_BYTES; n = in.read(sink)) {
                drained += n;
            }
        } catch (IOException | ExecutionException | TimeoutException e) {
            // the client is gone or silent: close now
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
