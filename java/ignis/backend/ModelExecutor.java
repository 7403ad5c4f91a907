package ignis.backend;

import ignis.model.LlamaConfig;

/**
 * Runs the forward pass of one model on one backend. Two explicit paths: {@link #prefill}
 * (many tokens at once, matrix-matrix products) and {@link #decode} (one token, matrix-vector).
 * Both append to the sequence's {@link KvCache}. Not thread-safe: one caller at a time.
 */
public interface ModelExecutor extends AutoCloseable {

    LlamaConfig config();

    /** A cache for one sequence of up to {@code contextLength} positions. */
    KvCache newCache(int contextLength);

    /**
     * Runs {@code count} tokens from {@code tokens[offset]} at positions {@code cache.length()} on.
     * {@code logits} receives the last token's logits ({@code vocabSize} floats), or, when it holds
     * {@code count * vocabSize} floats, every token's logits in order.
     */
    void prefill(KvCache cache, int[] tokens, int offset, int count, float[] logits);

    /** Runs one token at position {@code cache.length()}; {@code logits} receives its logits. */
    void decode(KvCache cache, int token, float[] logits);

    /**
     * Runs one token and returns the id of its largest logit (the lowest id among equal maxima),
     * as greedy sampling without penalties picks it. A device backend computes the argmax on the
     * device and sends only the id back, leaving {@code logits} as it was; the host backends fill
     * {@code logits} on the way.
     */
    default int decodeArgmax(KvCache cache, int token, float[] logits) {
        decode(cache, token, logits);
        int best = 0;
        for (int i = 1; i < config().vocabSize(); i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    void close();
}
