package ignis.runtime;

import ignis.backend.KvCache;
import ignis.backend.ModelExecutor;
import java.util.SplittableRandom;

/**
 * llama-bench style measurements on one executor: {@code pp N} prefills N prompt tokens into an
 * empty cache; {@code tg N} decodes N tokens one at a time after a single-token prompt. Tokens
 * are seeded random ids, so the figures depend on the model's shape and types only.
 */
public final class Benchmark {

    /** One test: "pp512" or "tg128", timings in seconds per repetition. */
    public record Result(String test, int tokens, double[] seconds) {

        public double meanTokensPerSecond() {
            double sum = 0;
            for (double s : seconds) {
                sum += tokens / s;
            }
            return sum / seconds.length;
        }

        public double stddevTokensPerSecond() {
            double mean = meanTokensPerSecond();
            double ss = 0;
            for (double s : seconds) {
                ss += Math.pow(tokens / s - mean, 2);
            }
            return seconds.length > 1 ? Math.sqrt(ss / (seconds.length - 1)) : 0;
        }
    }

    /** Hears each finished repetition (warm-up excluded) for progress display. */
    @FunctionalInterface
    public interface RepListener {
        void finished(String test, int rep, int reps);
    }

    private final ModelExecutor executor;
    private final int vocab;
    private final SplittableRandom random = new SplittableRandom(42);

    public Benchmark(ModelExecutor executor) {
        this.executor = executor;
        this.vocab = executor.config().vocabSize();
    }

    /** Prefill of {@code n} tokens, {@code reps} times after one warm-up run. */
    public Result prompt(int n, int reps, RepListener listener) {
        int[] tokens = random.ints(n, 0, vocab).toArray();
        float[] logits = new float[vocab];
        KvCache cache = executor.newCache(n);
        double[] seconds = new double[reps];
        for (int rep = -1; rep < reps; rep++) {
            cache.truncate(0);
            long start = System.nanoTime();
            executor.prefill(cache, tokens, 0, n, logits);
            if (rep >= 0) {
                seconds[rep] = (System.nanoTime() - start) / 1e9;
                listener.finished("pp" + n, rep + 1, reps);
            }
        }
        return new Result("pp" + n, n, seconds);
    }

    /** Decode of {@code n} tokens, {@code reps} times after one warm-up run. */
    public Result generation(int n, int reps, RepListener listener) {
        int[] tokens = random.ints(n + 1, 0, vocab).toArray();
        float[] logits = new float[vocab];
        KvCache cache = executor.newCache(n + 1);
        double[] seconds = new double[reps];
        for (int rep = -1; rep < reps; rep++) {
            cache.truncate(0);
            executor.prefill(cache, tokens, 0, 1, logits);
            long start = System.nanoTime();
            for (int i = 1; i <= n; i++) {
                executor.decode(cache, tokens[i], logits);
            }
            if (rep >= 0) {
                seconds[rep] = (System.nanoTime() - start) / 1e9;
                listener.finished("tg" + n, rep + 1, reps);
            }
        }
        return new Result("tg" + n, n, seconds);
    }
}
