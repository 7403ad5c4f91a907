package ignis.server;

import ignis.gguf.GGUFFile;
import ignis.model.SyntheticModels;
import ignis.tokenizer.Tokenizer;

/**
 * A real SentencePiece tokenizer for the server tests: the generated vocabulary of a small synthetic
 * model ({@code <unk>}=0, {@code <s>}=1, {@code </s>}=2, byte tokens, then pieces), loaded once.
 */
final class TestTokenizer {
    private static Tokenizer tokenizer;

    private TestTokenizer() {
    }

    static synchronized Tokenizer get() {
        if (tokenizer == null) {
            try (GGUFFile file = GGUFFile.open(SyntheticModels.get(SyntheticModels.TEST_SHAPE, "Q8_0", 7))) {
                tokenizer = Tokenizer.fromGGUF(file);
            }
        }
        return tokenizer;
    }
}
