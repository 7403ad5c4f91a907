package ignis.model.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import ignis.TestData;
import ignis.gguf.GGUFFile;
import ignis.gguf.GGUFValue;
import ignis.gguf.GGUFValueType;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VocabularyTest {

    @Test
    void generatedVocabularyHasTheSentencePieceLayout() {
        Vocabulary vocab = Vocabulary.generate(5000, 17);
        String[] tokens = (String[]) vocab.metadata().get(Vocabulary.TOKENS).value();
        float[] scores = (float[]) vocab.metadata().get(Vocabulary.SCORES).value();
        int[] types = (int[]) vocab.metadata().get(Vocabulary.TOKEN_TYPES).value();
        assertEquals(5000, vocab.size());
        assertEquals(5000, tokens.length);
        assertEquals(5000, scores.length);
        assertEquals(5000, types.length);
        assertArrayEquals(new String[] {"<unk>", "<s>", "</s>"}, new String[] {tokens[0], tokens[1], tokens[2]});
        assertArrayEquals(new int[] {2, 3, 3}, new int[] {types[0], types[1], types[2]}); // UNKNOWN, CONTROL, CONTROL
        for (int b = 0; b < 256; b++) {
            assertEquals(String.format("<0x%02X>", b), tokens[3 + b]);
            assertEquals(6, types[3 + b], "byte tokens have type BYTE");
        }
        Set<String> unique = new HashSet<>();
        int wordStarts = 0;
        for (int i = 0; i < tokens.length; i++) {
            assertTrue(unique.add(tokens[i]), "duplicate token '" + tokens[i] + "'");
            assertFalse(tokens[i].isEmpty() || tokens[i].contains(" ") || tokens[i].chars().anyMatch(Character::isISOControl),
                    "token " + i + " '" + tokens[i] + "'");
            if (i >= 259) {
                assertEquals(1, types[i], "normal piece " + i);
                assertTrue(scores[i] <= 0 && scores[i] < scores[i - 1] || i == 259, "scores descend at " + i);
                wordStarts += tokens[i].startsWith("\u2581") ? 1 : 0;
            }
        }
        assertTrue(wordStarts > 0.5 * (5000 - 259), "most pieces start a word: " + wordStarts);
        assertEquals(GGUFValue.of("llama"), vocab.metadata().get("tokenizer.ggml.model"));
        assertEquals(GGUFValue.ofUInt32(1), vocab.metadata().get("tokenizer.ggml.bos_token_id"));
        assertEquals(GGUFValue.ofUInt32(2), vocab.metadata().get("tokenizer.ggml.eos_token_id"));
        assertEquals(GGUFValue.ofUInt32(0), vocab.metadata().get("tokenizer.ggml.unknown_token_id"));
        assertEquals(GGUFValue.ofBool(true), vocab.metadata().get("tokenizer.ggml.add_bos_token"));
        assertEquals(GGUFValue.ofBool(false), vocab.metadata().get("tokenizer.ggml.add_eos_token"));
    }

    @Test
    void generationIsDeterministicPerSeed() {
        assertEquals(Vocabulary.generate(2000, 1).metadata(), Vocabulary.generate(2000, 1).metadata());
        assertFalse(Vocabulary.generate(2000, 1).metadata().equals(Vocabulary.generate(2000, 2).metadata()));
    }

    @Test
    void sizesFromTheMinimumUpAreGenerated() {
        assertEquals(259, Vocabulary.generate(259, 0).size());
        assertEquals(260, Vocabulary.generate(260, 0).size());
        assertEquals(128256, Vocabulary.generate(128256, 0).size());
        IgnisException e = assertThrows(IgnisException.class, () -> Vocabulary.generate(258, 0));
        assertTrue(e.getMessage().contains("259") && e.getMessage().contains("258"), e.getMessage());
    }

    @Test
    void copyingTakesEveryTokenizerKey() {
        try (GGUFFile source = GGUFFile.open(TestData.tinyLlamaGguf())) {
            Vocabulary vocab = Vocabulary.copyFrom(source);
            assertEquals(32000, vocab.size());
            source.metadata().forEach((key, value) -> {
                if (key.startsWith("tokenizer.")) {
                    assertEquals(value, vocab.metadata().get(key), key);
                }
            });
            assertTrue(vocab.metadata().keySet().stream().allMatch(k -> k.startsWith("tokenizer.")));
            String[] tokens = (String[]) source.getArray(Vocabulary.TOKENS, GGUFValueType.STRING);
            assertEquals("\u2581the", tokens[278], "the real Llama 2 vocabulary");
        }
    }
}
