package ignis.server.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Splits a byte stream into lines (LF, CR LF or CR) as the bytes arrive. Its own reader rather than
 * a BufferedReader so a line is handed out the moment its terminator is read, never after a
 * decoder waited to fill a buffer: token arrival times must be those of the bytes on the wire.
 * UTF-8 is decoded per whole line, so a character split across reads stays intact.
 */
final class SseLineReader {
    private final InputStream in;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int limit;
    private boolean skipLf;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

    SseLineReader(InputStream in) {
        this.in = in;
    }

    /** The next line without its terminator, or null at the end of the stream. */
    String readLine() throws IOException {
        line.reset();
        while (true) {
            if (pos == limit) {
                limit = in.read(buf, 0, buf.length);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    // A last line without terminator still counts; an empty tail is the end.
                    return line.size() > 0 ? line.toString(StandardCharsets.UTF_8) : null;
                }
            }
            while (pos < limit) {
                byte b = buf[pos++];
                if (skipLf) {
                    skipLf = false;
                    if (b == '\n') {
                        continue;
                    }
                }
                if (b == '\n' || b == '\r') {
                    skipLf = b == '\r';
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
        }
    }
}
