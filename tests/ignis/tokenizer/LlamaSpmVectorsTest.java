package ignis.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ignis.TestData;
import ignis.gguf.GGUFFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * llama.cpp's own tokenizer vectors for the Llama 2 vocabulary (tests/test-tokenizer-0.cpp reads
 * them the same way and tokenizes with add_special = false, parse_special = false).
 */
class LlamaSpmVectorsTest {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    private static GGUFFile file;
    private static Tokenizer tokenizer;

    record Case(String input, int[] expected) {
    }

    @BeforeAll
    static void load() {
        file = GGUFFile.open(TestData.tinyLlamaGguf());
        tokenizer = Tokenizer.fromGGUF(file);
    }

    @AfterAll
    static void close() {
        if (file != null) {
            file.close();
        }
    }

    /** The inputs split as test-tokenizer-0 splits them, each with its line of expected ids. */
    static List<Case> readCases() throws IOException {
        Path inputs = TestData.require("tokenizer-tests/llama-spm.inp");
        Path outputs = TestData.require("tokenizer-tests/llama-spm.out");
        String raw = Files.readString(inputs, StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>();
        int position = 0;
        while (position < raw.length()) {
            int next = raw.indexOf(SEPARATOR, position);
            if (next < 0) {
                texts.add(raw.substring(position));
                break;
            }
            texts.add(raw.substring(position, next));
            position = next + SEPARATOR.length();
        }
        List<String> lines = Files.readAllLines(outputs, StandardCharsets.UTF_8);
        assertEquals(lines.size(), texts.size(), "inputs and expected outputs pair up");
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = lines.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(texts.get(i), ids));
        }
        return cases;
    }

    @Test
    void allVectorsMatchLlamaCpp() throws IOException {
        List<Case> cases = readCases();
        assertEquals(46, cases.size());
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            int[] actual = tokenizer.encode(c.input(), false, false);
            if (!Arrays.equals(c.expected(), actual)) {
                failures.add("'" + c.input() + "': expected " + Arrays.toString(c.expected()) + " got " + Arrays.toString(actual));
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void addSpecialPutsTheVocabularysBosFirst() throws IOException {
        // The vocabulary has no add_bos_token key: SentencePiece's default (BOS 1) applies; no EOS.
        assertEquals(1, tokenizer.bos());
        assertEquals(2, tokenizer.eos());
        for (Case c : readCases()) {
            int[] expected = IntStream.concat(IntStream.of(1), Arrays.stream(c.expected())).toArray();
            assertArrayEquals(expected, tokenizer.encode(c.input(), true, false), c.input());
        }
    }

    @Test
    void knownSpecialTokensOfLlama2() {
        assertEquals(32000, tokenizer.vocabularySize());
        assertEquals("<s>", tokenizer.tokenText(1));
        assertEquals("</s>", tokenizer.tokenText(2));
        assertEquals("▁Hello", tokenizer.tokenText(15043));
        // </s> ends generation; <s> and ordinary tokens do not.
        assertEquals(true, tokenizer.isEndOfGeneration(2));
        assertEquals(false, tokenizer.isEndOfGeneration(1));
        assertEquals(false, tokenizer.isEndOfGeneration(15043));
        assertEquals(false, tokenizer.isEndOfGeneration(-1));
    }

    @Test
    void tokenBytesFollowTheTokenType() {
        assertArrayEquals(" Hello".getBytes(StandardCharsets.UTF_8), tokenizer.tokenBytes(15043)); // normal: U+2581 -> ' '
        assertArrayEquals(new byte[] {'\n'}, tokenizer.tokenBytes(13)); // <0x0A>
        assertArrayEquals(new byte[] {(byte) 0xF0}, tokenizer.tokenBytes(3 + 0xF0)); // <0xF0>
        assertArrayEquals(new byte[0], tokenizer.tokenBytes(1)); // control <s>
        assertArrayEquals(new byte[0], tokenizer.tokenBytes(2)); // control </s>
        assertArrayEquals(new byte[0], tokenizer.tokenBytes(0)); // unknown <unk>
    }
}
