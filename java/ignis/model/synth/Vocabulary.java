package ignis.model.synth;

import ignis.IgnisException;
import ignis.gguf.GGUFFile;
import ignis.gguf.GGUFValue;
import ignis.gguf.GGUFValueType;
import ignis.gguf.GGUFWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The tokenizer part of a model: its {@code tokenizer.*} metadata, either copied from an existing
 * GGUF or generated as a SentencePiece-style ("llama") vocabulary of any size.
 */
public final class Vocabulary {
    public static final String TOKENS = "tokenizer.ggml.tokens";
    public static final String SCORES = "tokenizer.ggml.scores";
    public static final String TOKEN_TYPES = "tokenizer.ggml.token_type";
    /** llama.cpp token types. */
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, BYTE = 6;
    /** Unknown, begin and end of sequence, then the 256 byte tokens. */
    public static final int MIN_GENERATED_SIZE = 3 + 256;
    public static final int MAX_GENERATED_SIZE = 1 << 22;

    private static final String WORD_START = "\u2581";
    /** Letters of generated pieces: mostly lowercase, with some capitals, digits and a few non-ASCII letters. */
    private static final int[] ALPHABET = ("etaoinshrdlcumwfgypbvkjxqz" + "etaoinshrdlu" + "ETAOINSRTMC" + "0123456789"
            + "\u00e9\u00fc\u00df\u00f1\u4e2d\u65e5").codePoints().toArray();

    private final Map<String, GGUFValue> metadata;
    private final int size;

    private Vocabulary(Map<String, GGUFValue> metadata, int size) {
        this.metadata = metadata;
        this.size = size;
    }

    public int size() {
        return size;
    }

    /** The {@code tokenizer.*} entries, in the order they are written. */
    public Map<String, GGUFValue> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    void putInto(GGUFWriter writer) {
        metadata.forEach(writer::put);
    }

    /**
     * A SentencePiece-style vocabulary of {@code size} tokens: {@code <unk>}=0, {@code <s>}=1,
     * {@code </s>}=2, the byte tokens {@code <0x00>}..{@code <0xFF>}, then unique pieces (the word
     * marker U+2581 alone, each printable ASCII character, then random pieces of which most start
     * with U+2581), with descending scores. The same seed gives the same vocabulary.
     */
    public static Vocabulary generate(int size, long seed) {
        if (size < MIN_GENERATED_SIZE || size > MAX_GENERATED_SIZE) {
            throw new IgnisException("a generated vocabulary needs " + MIN_GENERATED_SIZE + " (3 special and 256 byte tokens) to "
                    + MAX_GENERATED_SIZE + " tokens, got " + size);
        }
        String[] tokens = new String[size];
        float[] scores = new float[size]; // specials and bytes score 0
        int[] types = new int[size];
        List<String> fixed = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) {
            fixed.add(String.format("<0x%02X>", b));
        }
        for (int id = 0; id < fixed.size(); id++) {
            tokens[id] = fixed.get(id);
            types[id] = id == 0 ? UNKNOWN : id < 3 ? CONTROL : BYTE;
        }
        Set<String> used = new HashSet<>(fixed);
        Iterator<String> basics = basicPieces().iterator();
        SplittableRandom random = new SplittableRandom(seed ^ 0x5EED_70C3_AB1EL);
        for (int id = MIN_GENERATED_SIZE; id < size; ) {
            String piece = basics.hasNext() ? basics.next() : randomPiece(random);
            if (used.add(piece)) {
                tokens[id] = piece;
                types[id] = NORMAL;
                scores[id] = MIN_GENERATED_SIZE - id; // descending: earlier pieces are preferred merges
                id++;
            }
        }
        Map<String, GGUFValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GGUFValue.of("llama"));
        m.put(TOKENS, GGUFValue.ofArray(GGUFValueType.STRING, tokens));
        m.put(SCORES, GGUFValue.ofArray(GGUFValueType.FLOAT32, scores));
        m.put(TOKEN_TYPES, GGUFValue.ofArray(GGUFValueType.INT32, types));
        m.put("tokenizer.ggml.bos_token_id", GGUFValue.ofUInt32(1));
        m.put("tokenizer.ggml.eos_token_id", GGUFValue.ofUInt32(2));
        m.put("tokenizer.ggml.unknown_token_id", GGUFValue.ofUInt32(0));
        addDefaults(m);
        return new Vocabulary(m, size);
    }

    /** The word marker alone and every printable ASCII character, so any text tokenizes without byte fallback. */
    private static List<String> basicPieces() {
        List<String> pieces = new ArrayList<>(List.of(WORD_START));
        for (char c = '!'; c <= '~'; c++) {
            pieces.add(Character.toString(c));
        }
        return pieces;
    }

    private static String randomPiece(SplittableRandom random) {
        StringBuilder piece = new StringBuilder();
        if (random.nextInt(10) < 7) {
            piece.append(WORD_START);
        }
        int letters = 1 + Math.min(random.nextInt(8), random.nextInt(8)); // short pieces are more common
        for (int i = 0; i < letters; i++) {
            piece.appendCodePoint(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return piece.toString();
    }

    /** The {@code tokenizer.*} entries of the GGUF at {@code path}. */
    public static Vocabulary copyFrom(Path path) {
        try (GGUFFile file = GGUFFile.open(path)) {
            return copyFrom(file);
        }
    }

    /** The {@code tokenizer.*} entries of {@code file} (any tokenizer model, merges included). */
    public static Vocabulary copyFrom(GGUFFile file) {
        String[] tokens = (String[]) file.getArray(TOKENS, GGUFValueType.STRING);
        if (tokens.length == 0) {
            throw new IgnisException(file.path() + ": metadata '" + TOKENS + "' is empty");
        }
        for (String key : new String[] {SCORES, TOKEN_TYPES}) {
            if (file.has(key) && file.value(key).arrayLength() != tokens.length) {
                throw new IgnisException(file.path() + ": metadata '" + key + "' has " + file.value(key).arrayLength()
                        + " entries for " + tokens.length + " tokens");
            }
        }
        Map<String, GGUFValue> m = new LinkedHashMap<>();
        file.metadata().forEach((key, value) -> {
            if (key.startsWith("tokenizer.")) {
                m.put(key, value);
            }
        });
        addDefaults(m);
        return new Vocabulary(m, tokens.length);
    }

    /** llama.cpp's defaults made explicit: a BOS token is prepended, no EOS appended. */
    private static void addDefaults(Map<String, GGUFValue> m) {
        m.putIfAbsent("tokenizer.ggml.add_bos_token", GGUFValue.ofBool(true));
        m.putIfAbsent("tokenizer.ggml.add_eos_token", GGUFValue.ofBool(false));
    }
}
