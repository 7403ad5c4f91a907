package ignis.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.backend.ExecutorOptions;
import ignis.backend.KvCache;
import ignis.backend.ModelExecutor;
import ignis.backend.cpu.CpuBackend;
import ignis.model.LlamaModel;
import ignis.tokenizer.StreamingDecoder;
import ignis.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;

/**
 * Greedy generation by Ignis compared with llama.cpp's, token for token. A divergence passes only
 * where it follows a near-tie: at the first differing step Ignis's top-2 logit margin is below
 * {@code tieBound} and llama.cpp's choice is Ignis's runner-up.
 */
public final class GreedyMatch {
    private GreedyMatch() {
    }

    /** The result of one comparison, for reporting. */
    public record Outcome(boolean identical, int divergedAt, float margin) {
    }

    public static Outcome assertGreedyMatches(Path gguf, LlamaCpp peer, int[] promptTokens, String prompt, int n, float tieBound) {
        List<String> peerPieces = peer.greedy(prompt, n);
        String peerText = String.join("", peerPieces);
        try (LlamaModel model = LlamaModel.load(gguf);
                ModelExecutor ex = new CpuBackend().load(model, new ExecutorOptions(2, 512))) {
            int vocab = model.config().vocabSize();
            Tokenizer tokenizer = Tokenizer.fromGGUF(model.file());
            KvCache cache = ex.newCache(promptTokens.length + n);
            float[] logits = new float[vocab];
            ex.prefill(cache, promptTokens, 0, promptTokens.length, logits);
            int[] ours = new int[n];
            for (int i = 0; i < n; i++) {
                int best = argmax(logits, -1);
                ours[i] = best;
                String ourText = text(tokenizer, ours, i + 1);
                if (!peerText.startsWith(ourText)) {
                    int runnerUp = argmax(logits, best);
                    float margin = logits[best] - logits[runnerUp];
                    ours[i] = runnerUp;
                    String alternative = text(tokenizer, ours, i + 1);
                    assertTrue(margin < tieBound && peerText.startsWith(alternative),
                            gguf.getFileName() + ": diverged from llama.cpp at generated token " + i + " (ours " + best + ", margin "
                                    + margin + " >= near-tie bound " + tieBound + " or llama.cpp's choice is not our runner-up)\n ours:  "
                                    + ourText + "\n llama: " + peerText);
                    return new Outcome(false, i, margin);
                }
                if (i + 1 < n) {
                    ex.decode(cache, best, logits);
                }
            }
            assertEquals(peerText, text(tokenizer, ours, n), gguf.getFileName() + ": text differs from llama.cpp's");
            return new Outcome(true, -1, Float.NaN);
        }
    }

    /**
     * The text llama.cpp streams for generated tokens: each token's piece, control tokens empty.
     * (Our pieces equal llama.cpp's: the tokenizer's differential test shows it.)
     */
    private static String text(Tokenizer tokenizer, int[] tokens, int count) {
        StreamingDecoder decoder = StreamingDecoder.continuing(tokenizer);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append(decoder.feed(tokens[i]));
        }
        return sb.append(decoder.flush()).toString();
    }

    /** Index of the largest logit other than {@code exclude}; ties go to the lowest id, as llama.cpp. */
    static int argmax(float[] logits, int exclude) {
        int best = -1;
        for (int i = 0; i < logits.length; i++) {
            if (i != exclude && (best < 0 || logits[i] > logits[best])) {
                best = i;
            }
        }
        return best;
    }
}
