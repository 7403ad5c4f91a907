package ignis.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.gguf.GGUFFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small hand-made vocabularies where llama.cpp's rules give the expected ids by hand: merge order
 * by score then leftmost, byte fallback, special token matching, metadata flags, Phi-3 stripping.
 */
class SyntheticVocabularyTest {
    // GGUF token types.
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int BYTE = 6;

    // Ids of the vocabulary below: <unk> <s> </s>, the 256 byte tokens, then these.
    static final int SPACE = 259;
    static final int A = 260;
    static final int AA = 261;
    static final int B = 262;
    static final int C = 263;
    static final int AB = 264;
    static final int BC = 265;
    static final int SPACE_B = 266;
    static final int IM_END = 267;
    static final int TOOL = 268;
    static final int SEP = 269;

    @TempDir
    Path dir;

    static int byteToken(int b) {
        return 3 + b;
    }

    /** The vocabulary's keys; {@code more} adds or overrides keys. */
    static MetadataGguf vocabulary(UnaryOperator<MetadataGguf> more) {
        List<String> texts = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Integer> types = new ArrayList<>(List.of(UNKNOWN, CONTROL, CONTROL));
        List<Float> scores = new ArrayList<>(List.of(0f, 0f, 0f));
        for (int b = 0; b < 256; b++) {
            texts.add(String.format("<0x%02X>", b));
            types.add(BYTE);
            scores.add(0f);
        }
        Object[][] extra = {
            {"▁", -1f, NORMAL}, {"a", -1f, NORMAL}, {"aa", -2f, NORMAL}, {"b", -1f, NORMAL}, {"c", -1f, NORMAL},
            {"ab", -3f, NORMAL}, {"bc", -2f, NORMAL}, {"▁b", -1.5f, NORMAL},
            {"<|im_end|>", 0f, NORMAL}, {"<tool>", 0f, USER_DEFINED}, {"<|sep|>", 0f, CONTROL},
        };
        for (Object[] e : extra) {
            texts.add((String) e[0]);
            scores.add((Float) e[1]);
            types.add((Integer) e[2]);
        }
        float[] scoreArray = new float[scores.size()];
        for (int i = 0; i < scoreArray.length; i++) {
            scoreArray[i] = scores.get(i);
        }
        MetadataGguf gguf = new MetadataGguf()
                .string("general.architecture", "llama")
                .string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", texts.toArray(String[]::new))
                .floats("tokenizer.ggml.scores", scoreArray)
                .int32s("tokenizer.ggml.token_type", types.stream().mapToInt(Integer::intValue).toArray())
                .uint32("tokenizer.ggml.bos_token_id", 1)
                .uint32("tokenizer.ggml.eos_token_id", 2);
        return more.apply(gguf);
    }

    private Tokenizer load(UnaryOperator<MetadataGguf> more) throws IOException {
        Path path = vocabulary(more).write(dir.resolve("vocab-" + System.nanoTime() + ".gguf"));
        try (GGUFFile file = GGUFFile.open(path)) {
            return Tokenizer.fromGGUF(file); // the tokenizer keeps nothing of the mapping
        }
    }

    @Test
    void equalScoresMergeLeftmostFirst() throws IOException {
        Tokenizer t = load(g -> g);
        // "▁aaa": both (a,a) pairs score -2; the left one merges first, leaving a lone "a".
        assertArrayEquals(new int[] {SPACE, AA, A}, t.encode("aaa", false, false));
    }

    @Test
    void higherScoreMergesFirst() throws IOException {
        Tokenizer t = load(g -> g.bool("tokenizer.ggml.add_space_prefix", false));
        // "ab" scores -3, "bc" -2: "bc" wins and "a" stays alone ("abc" is no token).
        assertArrayEquals(new int[] {A, BC}, t.encode("abc", false, false));
        assertArrayEquals(new int[] {AB}, t.encode("ab", false, false));
    }

    @Test
    void textWithoutTokensFallsBackToBytes() throws IOException {
        Tokenizer t = load(g -> g);
        assertArrayEquals(new int[] {SPACE, byteToken('z')}, t.encode("z", false, false));
        assertArrayEquals(new int[] {SPACE, byteToken(0xC3), byteToken(0xA9)}, t.encode("é", false, false));
        assertArrayEquals(new int[] {SPACE, byteToken(0xF0), byteToken(0x9F), byteToken(0xA6), byteToken(0x99)},
                t.encode("\uD83E\uDD99", false, false)); // U+1F999
    }

    @Test
    void userDefinedTokensAreAlwaysMatchedAndControlTokensOnlyWhenParsingSpecialText() throws IOException {
        Tokenizer t = load(g -> g);
        // After a special token the next text gets a space prefix again: "b" becomes "▁b".
        assertArrayEquals(new int[] {SPACE, A, TOOL, SPACE_B}, t.encode("a<tool>b", false, false));
        assertArrayEquals(new int[] {SPACE, A, SEP}, t.encode("a<|sep|>", false, true));
        int[] plain = {SPACE, A, byteToken('<'), byteToken('|'), byteToken('s'), byteToken('e'), byteToken('p'),
            byteToken('|'), byteToken('>')};
        assertArrayEquals(plain, t.encode("a<|sep|>", false, false));
        assertArrayEquals(new int[] {1}, t.encode("<s>", false, true));
    }

    @Test
    void endOfTurnTextMakesAControlTokenThatEndsGeneration() throws IOException {
        Tokenizer t = load(g -> g);
        assertTrue(t.isEndOfGeneration(IM_END));
        assertTrue(t.isEndOfGeneration(2));
        assertFalse(t.isEndOfGeneration(SEP)); // control, but no end-of-generation text
        assertArrayEquals(new int[] {IM_END}, t.encode("<|im_end|>", false, true));
        assertArrayEquals(new byte[0], t.tokenBytes(IM_END));
        assertArrayEquals("<tool>".getBytes(StandardCharsets.UTF_8), t.tokenBytes(TOOL));
    }

    @Test
    void bosAndEosFollowTheMetadataFlags() throws IOException {
        assertArrayEquals(new int[] {1, SPACE, A}, load(g -> g).encode("a"));
        assertArrayEquals(new int[] {1}, load(g -> g).encode(""));
        assertArrayEquals(new int[] {SPACE, A}, load(g -> g.bool("tokenizer.ggml.add_bos_token", false)).encode("a"));
        Tokenizer both = load(g -> g.bool("tokenizer.ggml.add_eos_token", true));
        assertArrayEquals(new int[] {1, SPACE, A, 2}, both.encode("a"));
        assertArrayEquals(new int[] {SPACE, A}, both.encode("a", false, true));
        Tokenizer moved = load(g -> g.uint32("tokenizer.ggml.bos_token_id", SEP));
        assertEquals(SEP, moved.bos());
        assertArrayEquals(new int[] {SEP, SPACE, A}, moved.encode("a"));
    }

    @Test
    void decodeDropsOnlyTheFirstTokensLeadingSpace() throws IOException {
        Tokenizer t = load(g -> g);
        assertEquals("a", t.decode(new int[] {SPACE, A}));
        assertEquals(" a", t.decode(new int[] {1, SPACE, A})); // the BOS was the first token
        assertEquals("a<tool> b", t.decode(new int[] {A, TOOL, SPACE_B}));
        Tokenizer noPrefix = load(g -> g.bool("tokenizer.ggml.add_space_prefix", false));
        assertEquals(" a", noPrefix.decode(new int[] {SPACE, A}));
    }

    @Test
    void phi3DropsWhitespaceAfterSpecialTokens() throws IOException {
        Tokenizer phi3 = load(g -> g.string("general.name", "Phi-3-mini"));
        assertArrayEquals(new int[] {SPACE, A, SEP, SPACE_B}, phi3.encode("a<|sep|>  \n b", false, true));
        Tokenizer other = load(g -> g.string("general.name", "Some model"));
        assertArrayEquals(new int[] {SPACE, A, SEP, SPACE, SPACE, SPACE, byteToken('\n'), SPACE_B},
                other.encode("a<|sep|>  \n b", false, true));
    }
}
