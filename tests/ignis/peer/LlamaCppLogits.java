package ignis.peer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;

/**
 * llama.cpp's own forward pass ({@link LlamaCppContext}) with its default context parameters
 * (512 positions, F16 KV cache, no flash attention) and 2 threads: the logits llama.cpp computes
 * for a GGUF, step by step, to compare with ours. Skips the calling test where the library
 * cannot run here.
 */
public final class LlamaCppLogits implements AutoCloseable {
    private final LlamaCppContext context;

    public LlamaCppLogits(Path gguf, int vocabSize) {
        String why = PeerLibrary.whyUnavailable();
        assumeTrue(why == null, () -> "llama.cpp's library is not usable here: " + why);
        this.context = new LlamaCppContext(gguf, LlamaCppContext.Settings.defaults(2));
        if (context.vocabSize() != vocabSize) {
            throw new AssertionError(gguf + ": llama.cpp sees " + context.vocabSize() + " tokens, we see " + vocabSize);
        }
    }

    /** Runs {@code tokens} (appended to the sequence so far, in one batch) and returns the last token's logits. */
    public float[] eval(int... tokens) {
        context.decode(tokens, tokens.length);
        return context.lastLogits();
    }

    @Override
    public void close() {
        context.close();
    }
}
