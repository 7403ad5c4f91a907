package ignis.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable little-endian byte buffer that the writer encodes a GGUF header into (the mirror of {@link GGUFCursor}). */
final class GGUFEncoder {
    private byte[] bytes = new byte[4096];
    private int size;

    int size() {
        return size;
    }

    void u8(byte v) {
        ensure(1);
        bytes[size++] = v;
    }

    void u16(short v) {
        littleEndian(v, 2);
    }

    void u32(int v) {
        littleEndian(v, 4);
    }

    void u64(long v) {
        littleEndian(v, 8);
    }

    void string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        u64(utf8.length);
        ensure(utf8.length);
        System.arraycopy(utf8, 0, bytes, size, utf8.length);
        size += utf8.length;
    }

    private void littleEndian(long v, int width) {
        ensure(width);
        for (int i = 0; i < width; i++) {
            bytes[size++] = (byte) (v >>> (8 * i));
        }
    }

    private void ensure(int more) {
        if ((long) size + more > Integer.MAX_VALUE - 8) {
            throw new GGUFException("GGUF header exceeds 2 GiB");
        }
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(2L * bytes.length, size + more)));
        }
    }

    /** Copies the encoded bytes to the start of {@code target}. */
    void copyTo(MemorySegment target) {
        MemorySegment.copy(bytes, 0, target, ValueLayout.JAVA_BYTE, 0, size);
    }
}
