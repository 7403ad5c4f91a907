package ignis.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import ignis.gguf.GGUFFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vocabularies Ignis cannot use, and ids it does not know, give errors that name the problem. */
class TokenizerErrorsTest {
    @TempDir
    Path dir;

    private IgnisException loadFails(MetadataGguf gguf, String... expectedInMessage) throws IOException {
        Path path = gguf.write(dir.resolve("bad.gguf"));
        try (GGUFFile file = GGUFFile.open(path)) {
            IgnisException e = assertThrows(IgnisException.class, () -> Tokenizer.fromGGUF(file));
            assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
            for (String part : expectedInMessage) {
                assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
            }
            return e;
        }
    }

    private static MetadataGguf vocabulary(UnaryOperator<MetadataGguf> change) {
        return change.apply(SyntheticVocabularyTest.vocabulary(g -> g));
    }

    @Test
    void unsupportedTokenizerModelIsNamed() throws IOException {
        loadFails(vocabulary(g -> g.string("tokenizer.ggml.model", "gpt2")), "'gpt2'", "tokenizer.ggml.model");
    }

    @Test
    void missingModelKeyIsNamed() throws IOException {
        loadFails(new MetadataGguf().strings("tokenizer.ggml.tokens", "a"), "tokenizer.ggml.model", "missing");
    }

    @Test
    void missingTokensAreNamed() throws IOException {
        loadFails(new MetadataGguf().string("tokenizer.ggml.model", "llama"), "tokenizer.ggml.tokens", "missing");
        loadFails(new MetadataGguf().string("tokenizer.ggml.model", "llama").strings("tokenizer.ggml.tokens"),
                "tokenizer.ggml.tokens", "no tokens");
    }

    @Test
    void illTypedKeysAreNamed() throws IOException {
        loadFails(vocabulary(g -> g.int32s("tokenizer.ggml.tokens", 1, 2)), "tokenizer.ggml.tokens", "array of STRING");
        loadFails(vocabulary(g -> g.string("tokenizer.ggml.scores", "high")), "tokenizer.ggml.scores");
        loadFails(vocabulary(g -> g.floats("tokenizer.ggml.token_type", 1f)), "tokenizer.ggml.token_type");
        loadFails(vocabulary(g -> g.string("tokenizer.ggml.bos_token_id", "1")), "tokenizer.ggml.bos_token_id");
        loadFails(vocabulary(g -> g.uint32("tokenizer.ggml.add_bos_token", 1)), "tokenizer.ggml.add_bos_token");
    }

    @Test
    void shortScoreAndTypeArraysAreNamed() throws IOException {
        loadFails(vocabulary(g -> g.floats("tokenizer.ggml.scores", 0f, 0f)), "tokenizer.ggml.scores", "2 entries");
        loadFails(vocabulary(g -> g.int32s("tokenizer.ggml.token_type", 1)), "tokenizer.ggml.token_type", "1 entries");
    }

    @Test
    void duplicateTokenIsNamed() throws IOException {
        loadFails(new MetadataGguf().string("tokenizer.ggml.model", "llama").strings("tokenizer.ggml.tokens", "a", "b", "a"),
                "'a'", "ids 0 and 2");
    }

    @Test
    void bosWantedButAbsentIsNamed() throws IOException {
        // One token: the default BOS id 1 lies outside the vocabulary, and add_bos_token defaults to true.
        loadFails(new MetadataGguf().string("tokenizer.ggml.model", "llama").strings("tokenizer.ggml.tokens", "a"),
                "tokenizer.ggml.add_bos_token' is absent (default true)", "tokenizer.ggml.bos_token_id");
    }

    @Test
    void unknownIdsAndMissingByteTokensAreReported() throws IOException {
        Path path = new MetadataGguf().string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", "<unk>", "<s>", "</s>", "\u2581", "a")
                .write(dir.resolve("small.gguf"));
        try (GGUFFile file = GGUFFile.open(path)) {
            Tokenizer t = Tokenizer.fromGGUF(file);
            IgnisException range = assertThrows(IgnisException.class, () -> t.tokenBytes(5));
            assertTrue(range.getMessage().contains("token id 5"), range.getMessage());
            assertThrows(IgnisException.class, () -> t.decode(new int[] {1, -1}));
            assertThrows(IgnisException.class, () -> t.tokenText(99));
            IgnisException bytes = assertThrows(IgnisException.class, () -> t.encode("b", false, false));
            assertTrue(bytes.getMessage().contains("<0x62>"), bytes.getMessage());
        }
    }
}
