package ignis.runtime;

import ignis.backend.KvCache;
import ignis.backend.ModelExecutor;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * llama-bench style measurements of one engine: {@code pp N} prefills N prompt tokens into an
 * empty cache; {@code tg N} decodes N tokens one at a time after a single-token prompt. Tokens
 * are seeded random ids, so the figures depend on the model's shape and types only, and two
 * engines benchmarked with the same tests see the same token ids. Each test warms up the same
 * way for every engine ({@link #warmUp}), so that the timings are of the steady state.
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

    /** An engine under test: one sequence whose cache it empties, prefills and extends; each call returns when done. */
    public interface Target {
        int vocabSize();

        /** Empties the cache, which must then hold at least {@code positions} tokens. */
        void reset(int positions);

        /** Appends {@code tokens[0..count)} in one batch. */
        void prefill(int[] tokens, int count);

        /** Appends one token. */
        void decode(int token);
    }

    private final Target target;
    private final int vocab;
    private final SplittableRandom random = new SplittableRandom(42);

    public Benchmark(ModelExecutor executor) {
        this(new ExecutorTarget(executor));
    }

    public Benchmark(Target target) {
        this.target = target;
        this.vocab = target.vocabSize();
    }

    /**
     * Warm-up runs before the timed ones: until a run is no more than this much faster than the
     * one before (a JIT's late compiles of large kernels) and the JIT compiled for at most
     * {@link #JIT_QUIET} of its time, at most {@link #MAX_WARM_UPS}. A compile takes a core from
     * the kernels' threads: on 2 cores a decode rep that overlapped 200 ms of it ran 1.6x as long.
     */
    static final double STEADY_GAIN = 0.05;
    static final double JIT_QUIET = 0.02;
    static final int MAX_WARM_UPS = 12;

    /** Prefill of {@code n} tokens, {@code reps} times after the warm-up runs. */
    public Result prompt(int n, int reps, RepListener listener) {
        int[] tokens = random.ints(n, 0, vocab).toArray();
        return timed("pp" + n, n, reps, listener, () -> {
            target.reset(n);
            long start = System.nanoTime();
            target.prefill(tokens, n);
            return (System.nanoTime() - start) / 1e9;
        });
    }

    /** Decode of {@code n} tokens, {@code reps} times after the warm-up runs. */
    public Result generation(int n, int reps, RepListener listener) {
        int[] tokens = random.ints(n + 1, 0, vocab).toArray();
        return timed("tg" + n, n, reps, listener, () -> {
            target.reset(n + 1);
            target.prefill(tokens, 1);
            long start = System.nanoTime();
            for (int i = 1; i <= n; i++) {
                target.decode(tokens[i]);
            }
            return (System.nanoTime() - start) / 1e9;
        });
    }

    /** {@code reps} timings of {@code run} (it returns its seconds) after {@link #warmUp}. */
    private static Result timed(String test, int n, int reps, RepListener listener, DoubleSupplier run) {
        warmUp(run);
        double[] seconds = new double[reps];
        for (int rep = 0; rep < reps; rep++) {
            seconds[rep] = run.getAsDouble();
            listener.finished(test, rep + 1, reps);
        }
        return new Result(test, n, seconds);
    }

    static int warmUp(DoubleSupplier run) {
        return warmUp(run, JitActivity::compileNanos);
    }

    /**
     * Runs {@code run} until it stops getting faster by more than {@link #STEADY_GAIN} and the
     * JIT ({@code compileNanos}: its compiling so far, {@link JitActivity}) is quiet during a run, at most
     * {@link #MAX_WARM_UPS} times; returns the runs made.
     */
    static int warmUp(DoubleSupplier run, LongSupplier compileNanos) {
        double previous = Double.POSITIVE_INFINITY;
        int runs = 0;
        while (runs < MAX_WARM_UPS) {
            long compiledBefore = compileNanos.getAsLong();
            double seconds = run.getAsDouble();
            double compileShare = (compileNanos.getAsLong() - compiledBefore) / 1e9 / seconds;
            runs++;
            if (seconds > previous * (1 - STEADY_GAIN) && compileShare <= JIT_QUIET) {
                break;
            }
            previous = seconds;
        }
        return runs;
    }

    /** Ignis's own executor as a benchmark target. */
    private static final class ExecutorTarget implements Target {
        private final ModelExecutor executor;
        private final float[] logits;
        private KvCache cache;

        ExecutorTarget(ModelExecutor executor) {
            this.executor = executor;
            this.logits = new float[executor.config().vocabSize()];
        }

        @Override
        public int vocabSize() {
            return logits.length;
        }

        @Override
        public void reset(int positions) {
            if (cache == null || cache.capacity() < positions) {
                cache = null; // the old one may go before the new one is allocated
                cache = executor.newCache(positions);
            }
            cache.truncate(0);
        }

        @Override
        public void prefill(int[] tokens, int count) {
            executor.prefill(cache, tokens, 0, count, logits);
        }

        @Override
        public void decode(int token) {
            // As greedy generation runs: a device backend sends back only the token id.
            executor.decodeArgmax(cache, token, logits);
        }
    }
}
