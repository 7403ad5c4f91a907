package ignis.tokenizer;

/** UTF-8 facts the streaming decoder needs. */
final class Utf8 {
    private Utf8() {
    }

    /**
     * How many bytes at the end of {@code bytes[0, length)} form an unfinished sequence: a lead byte
     * followed by fewer continuation bytes than it announces (0 to 3). Whether the sequence can
     * still become valid is not judged: a decoder reads a lead byte and its continuation bytes as
     * one unit, valid or not, so text decoded in pieces cut only before such a unit equals the whole
     * decoded at once.
     */
    static int incompleteTail(byte[] bytes, int length) {
        for (int tail = 1; tail <= Math.min(3, length); tail++) {
            int b = bytes[length - tail] & 0xFF;
            if ((b & 0xC0) != 0x80) { // not a continuation byte: the unit starts here
                return announcedLength(b) > tail ? tail : 0;
            }
        }
        return 0;
    }

    private static int announcedLength(int lead) {
        if (lead >= 0xF0) {
            return 4;
        }
        if (lead >= 0xE0) {
            return 3;
        }
        return lead >= 0xC0 ? 2 : 1;
    }
}
