package ignis.backend;

import ignis.model.LlamaConfig;

/**
 * A forward pass run in chunks of at most the executor's batch size: the prefill loop every
 * executor (CPU, device, hybrid) shares. Implemented by the executors themselves so the loop
 * allocates nothing per call (a decode step is a one-token prefill).
 */
public interface ChunkedPass {

    /** Runs {@code n} tokens from {@code tokens[offset]} at the cache's next positions, and advances the cache. */
    void forwardChunk(KvCache cache, int[] tokens, int offset, int n);

    /** Logits of tokens {@code [first, first+n)} of the last chunk into {@code out} from {@code outOffset}. */
    void outputLogits(int first, int n, float[] out, int outOffset);

    /**
     * {@link ModelExecutor#prefill} over {@code pass}: checks the call, runs the tokens in chunks of
     * {@code batch}, and writes every token's logits or the last one's, as {@code out}'s size asks.
     */
    static void prefill(ChunkedPass pass, LlamaConfig c, int batch, KvCache cache, int[] tokens, int offset, int count,
                        float[] out) {
        boolean everyToken = PrefillChecks.check(c, cache, tokens, offset, count, out);
        for (int done = 0; done < count; done += batch) {
            int n = Math.min(batch, count - done);
            pass.forwardChunk(cache, tokens, offset + done, n);
            if (everyToken) {
                pass.outputLogits(0, n, out, done * c.vocabSize());
            } else if (done + n == count) {
                pass.outputLogits(n - 1, 1, out, 0);
            }
        }
    }
}
