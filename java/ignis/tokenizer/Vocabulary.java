package ignis.tokenizer;

import ignis.IgnisException;
import java.util.Map;

/** The tokens of a vocabulary: text, score and attributes by id, and id by text. Immutable. */
final class Vocabulary {
    private final String[] texts;
    private final float[] scores;
    private final int[] attributes;
    private final Map<String, Integer> idsByText;
    /** The token of each byte for byte fallback, {@link Tokenizer#NO_TOKEN} where the vocabulary has none. */
    private final int[] byteTokens = new int[256];

    /** The arrays and map are kept, not copied; {@code idsByText} maps every text to its id. */
    Vocabulary(String[] texts, float[] scores, int[] attributes, Map<String, Integer> idsByText) {
        this.texts = texts;
        this.scores = scores;
        this.attributes = attributes;
        this.idsByText = idsByText;
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = findByteToken(b);
        }
    }

    // As llama.cpp's byte_to_token: the token "<0xXX>", else the byte itself as text.
    private int findByteToken(int b) {
        int id = id(String.format("<0x%02X>", b));
        if (id == Tokenizer.NO_TOKEN && b < 0x80) {
            id = id(String.valueOf((char) b));
        }
        return id;
    }

    int size() {
        return texts.length;
    }

    String text(int id) {
        return texts[checkId(id)];
    }

    float score(int id) {
        return scores[id];
    }

    boolean has(int id, int attributeMask) {
        return (attributes[checkId(id)] & attributeMask) != 0;
    }

    /** The id of the token with exactly this text, or {@link Tokenizer#NO_TOKEN}. */
    int id(String text) {
        Integer id = idsByText.get(text);
        return id == null ? Tokenizer.NO_TOKEN : id;
    }

    /** The byte-fallback token of {@code b} (0..255). */
    int byteToken(int b) {
        int id = byteTokens[b];
        if (id == Tokenizer.NO_TOKEN) {
            throw new IgnisException(String.format(
                    "the vocabulary has no byte token <0x%02X> to encode a byte no other token covers", b));
        }
        return id;
    }

    /** The byte of a byte token: as llama.cpp, the hex digits at positions 3-4 of its text ({@code <0xXX>}). */
    int byteValue(int id) {
        String text = text(id);
        int value = 0;
        for (int i = 3; i < Math.min(5, text.length()); i++) {
            int digit = Character.digit(text.charAt(i), 16);
            if (digit < 0) {
                break;
            }
            value = value * 16 + digit;
        }
        return value;
    }

    int checkId(int id) {
        if (id < 0 || id >= texts.length) {
            throw new IgnisException("token id " + id + " is out of range [0, " + texts.length + ")");
        }
        return id;
    }
}
