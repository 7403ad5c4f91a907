package ignis.peer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.backend.ExecutorOptions;
import ignis.backend.KvCache;
import ignis.backend.ModelExecutor;
import ignis.backend.cpu.CpuBackend;
import ignis.model.LlamaModel;
import java.nio.file.Path;

/**
 * Greedy generation by Ignis and by llama.cpp (its own forward pass, through its C API) side by
 * side on the same GGUF and prompt tokens: at every step the two logit vectors are compared and
 * the chosen tokens must be equal. A different choice passes only where it follows a near-tie:
 * both engines' top-2 margins below {@code tieBound} and llama.cpp's choice our runner-up.
 */
public final class GreedyMatch {
    private GreedyMatch() {
    }

    /** What the comparison saw: the largest logit difference over all steps, and any near-tie divergence. */
    public record Outcome(int steps, double maxLogitDifference, int divergedAt, float margin) {
        public boolean identical() {
            return divergedAt < 0;
        }
    }

    /**
     * Runs {@code promptTokens} (one prefill) then {@code n} greedy tokens on both engines; every
     * step's logits must agree within {@code logitTolerance} (absolute).
     */
    public static Outcome assertGreedyMatches(Path gguf, int[] promptTokens, int n, double logitTolerance, float tieBound) {
        try (LlamaModel model = LlamaModel.load(gguf);
                ModelExecutor ex = new CpuBackend().load(model, new ExecutorOptions(2, 512));
                LlamaCppLogits llama = new LlamaCppLogits(gguf, model.config().vocabSize())) {
            KvCache cache = ex.newCache(promptTokens.length + n);
            float[] ours = new float[model.config().vocabSize()];
            ex.prefill(cache, promptTokens, 0, promptTokens.length, ours);
            float[] theirs = llama.eval(promptTokens);
            double worst = 0;
            for (int step = 0; step < n; step++) {
                double difference = maxDifference(ours, theirs);
                worst = Math.max(worst, difference);
                assertTrue(difference <= logitTolerance, gguf.getFileName() + ": step " + step + ": logits differ from llama.cpp's by "
                        + difference + " > " + logitTolerance);
                int best = argmax(ours, -1);
                int theirBest = argmax(theirs, -1);
                if (best != theirBest) {
                    int runnerUp = argmax(ours, best);
                    float margin = ours[best] - ours[runnerUp];
                    float theirMargin = theirs[theirBest] - theirs[argmax(theirs, theirBest)];
                    assertTrue(runnerUp == theirBest && margin < tieBound && theirMargin < tieBound,
                            gguf.getFileName() + ": greedy token " + step + " differs from llama.cpp's (ours " + best + " margin " + margin
                                    + ", llama.cpp " + theirBest + " margin " + theirMargin + "; near-tie bound " + tieBound + ")");
                    return new Outcome(step, worst, step, margin);
                }
                if (step + 1 < n) {
                    ex.decode(cache, best, ours);
                    theirs = llama.eval(best);
                }
            }
            return new Outcome(n, worst, -1, Float.NaN);
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (!(d <= worst)) {
                worst = d; // NaN propagates
            }
        }
        return worst;
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
