package ignis.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server's HTTP/1.1 on raw sockets: keep-alive, pipelining, chunked bodies both ways, 100-continue, HTTP/1.0, bad heads, hang-ups. */
class HttpListenerTest {
    private static final int LIMIT = 100;
    private HttpListener listener;
    private final CountDownLatch hungUp = new CountDownLatch(1);
    private volatile CountDownLatch release = new CountDownLatch(0);

    @BeforeEach
    void start() throws IOException {
        listener = HttpListener.start("127.0.0.1", 0, LIMIT, this::handle);
    }

    @AfterEach
    void stop() {
        listener.close();
    }

    /** Echoes the body as "METHOD PATH: body"; /stream answers in two chunks; /wait holds until released or hung up. */
    private void handle(Exchange exchange) throws IOException {
        exchange.onHangUp(hungUp::countDown);
        if (exchange.path().equals("/wait")) {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String text = exchange.bodyOverLimit() != null ? "over: " + exchange.bodyOverLimit()
                : exchange.method() + " " + exchange.path() + ": " + new String(exchange.body(), StandardCharsets.UTF_8);
        if (exchange.path().equals("/short")) {
            exchange.sendResponseHeaders(200, 10);
            exchange.responseBody().write("abc".getBytes(StandardCharsets.UTF_8));
            return; // fails half-way
        }
        if (exchange.path().equals("/stream")) {
            exchange.sendResponseHeaders(200, 0);
            exchange.responseBody().write("first,".getBytes(StandardCharsets.UTF_8));
            exchange.responseBody().flush();
            exchange.responseBody().write(text.getBytes(StandardCharsets.UTF_8));
        } else {
            Http.send(exchange, 200, "text/plain", text);
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", listener.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void write(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String post(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    /** One response: its head, and its body decoded (by Content-Length, chunks, or to the end of the stream). */
    private record Response(String head, String body) {
        int status() {
            return Integer.parseInt(head.substring(9, 12));
        }
    }

    private static Response read(InputStream in) throws IOException {
        String head = line(in);
        String header;
        long length = -1;
        boolean chunked = false;
        StringBuilder all = new StringBuilder(head);
        while (!(header = line(in)).isEmpty()) {
            all.append('\n').append(header);
            String lower = header.toLowerCase();
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(header.substring(15).strip());
            }
            chunked |= lower.startsWith("transfer-encoding:") && lower.contains("chunked");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (int size = Integer.parseInt(line(in), 16); size > 0; size = Integer.parseInt(line(in), 16)) {
                body.write(in.readNBytes(size));
                line(in);
            }
            line(in);
        } else if (length >= 0) {
            body.write(in.readNBytes((int) length));
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(all.toString(), body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the connection ended inside a line: " + line);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    @Test
    void keptAliveConnectionsAnswerPipelinedRequestsInOrder() throws IOException {
        try (Socket socket = connect()) {
            write(socket, post("/a", "one") + post("/b", "two"));
            InputStream in = socket.getInputStream();
            assertEquals("POST /a: one", read(in).body());
            assertEquals("POST /b: two", read(in).body());
            write(socket, "GET /c?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
            Response third = read(in);
            assertEquals(200, third.status());
            assertEquals("GET /c: ", third.body());
        }
    }

    @Test
    void chunkedBodiesAndContinueAreUnderstood() throws IOException {
        try (Socket socket = connect()) {
            write(socket, "POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n");
            InputStream in = socket.getInputStream();
            assertEquals("HTTP/1.1 100 Continue", line(in));
            assertEquals("", line(in));
            write(socket, "3;ext=1\r\nhel\r\n2\r\nlo\r\n0\r\nTrailer: t\r\n\r\n");
            assertEquals("POST /up: hello", read(in).body());
            write(socket, post("/stream", "s"));
            Response streamed = read(in);
            assertTrue(streamed.head().toLowerCase().contains("transfer-encoding: chunked"), streamed.head());
            assertEquals("first,POST /stream: s", streamed.body());
        }
    }

    @Test
    void http10GetsItsStreamWithoutChunksAndTheConnectionCloses() throws IOException {
        try (Socket socket = connect()) {
            write(socket, "POST /stream HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi");
            Response r = read(socket.getInputStream()); // read to the end of the stream: the server closed it
            assertTrue(r.head().contains("Connection: close") && !r.head().toLowerCase().contains("chunked"), r.head());
            assertEquals("first,POST /stream: hi", r.body());
        }
    }

    @Test
    void bodiesOverTheLimitReachTheHandlerAsSuchAndCloseTheConnection() throws IOException {
        try (Socket socket = connect()) {
            write(socket, "POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
            Response r = read(socket.getInputStream());
            assertEquals("over: 1000 bytes", r.body());
            assertTrue(r.head().contains("Connection: close"), r.head());
            assertEquals(-1, socket.getInputStream().read(), "the unread body ends the connection");
        }
        try (Socket socket = connect()) {
            write(socket, "POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n80\r\n" + "x".repeat(128) + "\r\n0\r\n\r\n");
            assertEquals("over: more than " + LIMIT + " bytes", read(socket.getInputStream()).body());
        }
    }

    @Test
    void malformedHeadsAre4xxAndEndTheConnection() throws IOException {
        String[][] cases = {
            {"NONSENSE\r\n\r\n", "400", "malformed request line"},
            {"POST /a HTTP/1.1\r\nno colon here\r\n\r\n", "400", "malformed header line"},
            {"POST /a HTTP/1.1\r\nContent-Length: ten\r\n\r\n", "400", "Content-Length"},
            {"GET /a HTTP/1.1\r\nX: " + "y".repeat(HttpCodec.MAX_HEAD_BYTES) + "\r\n\r\n", "431", "request head is over"},
        };
        for (String[] c : cases) {
            try (Socket socket = connect()) {
                write(socket, c[0]);
                Response r = read(socket.getInputStream());
                assertEquals(Integer.parseInt(c[1]), r.status(), r.head());
                assertTrue(r.body().contains(c[2]) && r.body().contains("\"error\""), r.body());
                assertEquals(-1, socket.getInputStream().read());
            }
        }
    }

    @Test
    void aClientThatClosesWhileTheHandlerWorksIsHeardAtOnce() throws Exception {
        release = new CountDownLatch(1);
        try (Socket socket = connect()) {
            write(socket, post("/wait", "w"));
            Thread.sleep(100);
            assertEquals(1, hungUp.getCount(), "no hang-up while the client waits");
        }
        assertTrue(hungUp.await(5, TimeUnit.SECONDS), "the handler heard that the client left");
        release.countDown();
    }

    @Test
    void aPipelinedRequestIsNotAHangUp() throws Exception {
        release = new CountDownLatch(1);
        try (Socket socket = connect()) {
            write(socket, post("/wait", "w") + post("/a", "next"));
            Thread.sleep(100);
            assertEquals(1, hungUp.getCount());
            release.countDown();
            InputStream in = socket.getInputStream();
            assertEquals("POST /wait: w", read(in).body());
            assertEquals("POST /a: next", read(in).body());
        }
    }

    @Test
    void aBodyShorterThanItsLengthEndsTheConnection() throws IOException {
        try (Socket socket = connect()) {
            write(socket, post("/short", "") + post("/a", "next"));
            InputStream in = socket.getInputStream();
            String head;
            while (!(head = line(in)).isEmpty()) {
                assertTrue(!head.startsWith("HTTP") || head.startsWith("HTTP/1.1 200"), head);
            }
            assertEquals("abc", new String(in.readAllBytes(), StandardCharsets.UTF_8), "three bytes, then the end of the stream");
        }
    }

    @Test
    void closingTheListenerEndsKeptAliveConnectionsAndFreesThePort() throws IOException {
        int port = listener.port();
        try (Socket socket = connect()) {
            write(socket, post("/a", "one"));
            assertEquals("POST /a: one", read(socket.getInputStream()).body());
            listener.close(); // the connection is idle, kept alive
            assertEquals(-1, socket.getInputStream().read(), "the server closed the idle connection");
        }
        listener = HttpListener.start("127.0.0.1", port, LIMIT, this::handle);
        assertEquals(port, listener.port());
    }
}
