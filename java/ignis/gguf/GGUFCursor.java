package ignis.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Bounds-checked little-endian reads over a GGUF file; every failure names the file and field. */
final class GGUFCursor {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data;
    private final String file;
    private long position;

    GGUFCursor(MemorySegment data, String file) {
        this.data = data;
        this.file = file;
    }

    long position() {
        return position;
    }

    long remaining() {
        return data.byteSize() - position;
    }

    GGUFException error(String field, String problem) {
        return new GGUFException(file + ": " + field + ": " + problem + " (at byte " + position + ")");
    }

    private long take(long bytes, String field) {
        if (bytes < 0 || bytes > remaining()) {
            throw error(field, "file is truncated: needs " + bytes + " bytes, " + remaining() + " left");
        }
        long at = position;
        position += bytes;
        return at;
    }

    byte u8(String field) {
        return data.get(ValueLayout.JAVA_BYTE, take(1, field));
    }

    short u16(String field) {
        return data.get(I16, take(2, field));
    }

    int u32(String field) {
        return data.get(I32, take(4, field));
    }

    long u64(String field) {
        return data.get(I64, take(8, field));
    }

    /** A u64 count that must fit in memory: each item takes at least {@code minItemBytes} of what is left. */
    int count(String field, int minItemBytes) {
        long n = u64(field);
        if (n < 0 || n > Integer.MAX_VALUE - 8 || n * Math.max(1, minItemBytes) > remaining()) {
            throw error(field, "count " + Long.toUnsignedString(n) + " is impossible for the " + remaining() + " bytes left");
        }
        return (int) n;
    }

    /** A length-prefixed UTF-8 string; malformed bytes become U+FFFD rather than failing, as in llama.cpp's lenient reading. */
    String string(String field) {
        int length = count(field + " (string length)", 1);
        long at = take(length, field);
        return new String(data.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }
}
