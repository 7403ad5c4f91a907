package ignis.tokenizer;

/** UTF-8 facts the streaming decoder needs. */
final class Utf8 {
    private Utf8() {
    }

    /**
     * How many bytes at the end of {@code bytes[0, length)} begin a well-formed UTF-8 sequence that
     * is not yet complete (0 to 3). Bytes that cannot become well-formed are not counted: they
     * decode to U+FFFD whatever follows, so holding them back would change nothing.
     */
    static int incompleteTail(byte[] bytes, int length) {
        for (int tail = 1; tail <= Math.min(3, length); tail++) {
            int lead = bytes[length - tail] & 0xFF;
            if (!isContinuation(lead)) {
                return sequenceLength(lead) > tail && continuationsFit(bytes, length - tail, length) ? tail : 0;
            }
        }
        return 0;
    }

    private static boolean isContinuation(int b) {
        return (b & 0xC0) == 0x80;
    }

    /** The length of the sequence a lead byte starts; 1 for ASCII and for bytes that start none. */
    private static int sequenceLength(int lead) {
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 2;
        }
        if (lead >= 0xE0 && lead <= 0xEF) {
            return 3;
        }
        if (lead >= 0xF0 && lead <= 0xF4) {
            return 4;
        }
        return 1;
    }

    // Whether the bytes after the lead at `start` are allowed there (Unicode Table 3-7).
    private static boolean continuationsFit(byte[] bytes, int start, int end) {
        if (end - start < 2) {
            return true;
        }
        int lead = bytes[start] & 0xFF;
        int second = bytes[start + 1] & 0xFF;
        int low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
        int high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
        return second >= low && second <= high; // later bytes are continuations, checked by the caller
    }
}
