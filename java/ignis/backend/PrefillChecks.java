package ignis.backend;

import ignis.IgnisException;
import ignis.model.LlamaConfig;

/** The argument checks of {@link ModelExecutor#prefill}, shared by every backend. */
public final class PrefillChecks {
    private PrefillChecks() {
    }

    /**
     * Checks a prefill call; returns true when {@code logits} asks for every token's logits
     * ({@code count * vocabSize} floats and more than one token), false for the last token's.
     */
    public static boolean check(LlamaConfig c, KvCache cache, int[] tokens, int offset, int count, float[] logits) {
        boolean everyToken = logits.length == (long) count * c.vocabSize() && count > 1;
        if (!everyToken && logits.length < c.vocabSize()) {
            throw new IllegalArgumentException("logits must hold " + c.vocabSize() + " or count*" + c.vocabSize() + " floats");
        }
        if (count < 1) {
            throw new IgnisException("nothing to evaluate: 0 tokens");
        }
        if (cache.length() + count > cache.capacity()) {
            throw new IgnisException("sequence of " + (cache.length() + count) + " tokens exceeds the context length " + cache.capacity());
        }
        for (int i = 0; i < count; i++) {
            int t = tokens[offset + i];
            if (t < 0 || t >= c.vocabSize()) {
                throw new IgnisException("token id " + t + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
            }
        }
        return everyToken;
    }
}
