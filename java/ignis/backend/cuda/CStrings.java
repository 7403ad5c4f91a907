package ignis.backend.cuda;

import java.nio.charset.StandardCharsets;

/** NUL-terminated strings the driver writes into byte arrays (device names, JIT logs). */
final class CStrings {
    private CStrings() {
    }

    /** The text before the first NUL; empty for null. */
    static String decode(byte[] bytes) {
        if (bytes == null) {
            return "";
        }
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
