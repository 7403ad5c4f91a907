package ignis.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes tokens one at a time, for printing text as it is generated. Each {@link #feed} returns
 * the text completed by that token; bytes that begin a UTF-8 character not yet complete (a
 * character spelled by several byte tokens) are held back until the rest arrives or
 * {@link #flush} is called. The concatenated output equals {@link Tokenizer#decode} of all the
 * tokens fed (or, for {@link #continuing}, the concatenation of their {@link Tokenizer#tokenBytes}).
 * Not thread-safe.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private boolean dropLeadingSpace;
    private byte[] pending = new byte[16];
    private int pendingLength;

    /** Text as {@link Tokenizer#decode}: the first token loses a leading space where the vocabulary adds one. */
    public StreamingDecoder(Tokenizer tokenizer) {
        this(tokenizer, tokenizer.addsSpacePrefix());
    }

    private StreamingDecoder(Tokenizer tokenizer, boolean dropLeadingSpace) {
        this.tokenizer = tokenizer;
        this.dropLeadingSpace = dropLeadingSpace;
    }

    /** For tokens that continue earlier text (a generated reply): every token's bytes, leading spaces kept. */
    public static StreamingDecoder continuing(Tokenizer tokenizer) {
        return new StreamingDecoder(tokenizer, false);
    }

    /** The text that {@code token} completes; possibly empty. */
    public String feed(int token) {
        byte[] piece = tokenizer.tokenBytes(token);
        int skip = dropLeadingSpace && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
        dropLeadingSpace = false;
        append(piece, skip);
        int complete = pendingLength - Utf8.incompleteTail(pending, pendingLength);
        return take(complete);
    }

    /** The text still held back (an unfinished character decodes to U+FFFD); the decoder is then empty. */
    public String flush() {
        return take(pendingLength);
    }

    private void append(byte[] piece, int from) {
        int count = piece.length - from;
        if (pendingLength + count > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + count));
        }
        System.arraycopy(piece, from, pending, pendingLength, count);
        pendingLength += count;
    }

    private String take(int count) {
        String text = new String(pending, 0, count, StandardCharsets.UTF_8);
        System.arraycopy(pending, count, pending, 0, pendingLength - count);
        pendingLength -= count;
        return text;
    }
}
