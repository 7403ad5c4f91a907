package ignis.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.TestData;
import ignis.backend.ExecutorOptions;
import ignis.backend.KvCache;
import ignis.backend.ModelExecutor;
import ignis.backend.cpu.CpuBackend;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The CPU forward pass against the independent float64 pass ({@link Float64Llama}), and prefill
 * against token-by-token decode. Runs on the shared third-party model here; ModelTypesTest runs
 * the same checks over synthetic models of every tensor type.
 */
public class ForwardPassTest {

    @Test
    void sharedTinyLlamaMatchesFloat64Reference() {
        Path path = TestData.tinyLlamaGguf();
        try (LlamaModel model = LlamaModel.load(path)) {
            // F16 weights, activations and KV cache rounded to fp16 as llama.cpp does: about 1e-3 of the logits rms.
            checkAgainstReference(model, 5e-3, 7);
        }
    }

    @Test
    void sharedTinyLlamaPrefillEqualsDecodeSteps() {
        try (LlamaModel model = LlamaModel.load(TestData.tinyLlamaGguf())) {
            checkPrefillEqualsDecode(model, 9, 1e-4);
        }
    }

    /** Random prompt tokens (never special ids 0..2). */
    public static int[] randomTokens(int vocab, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return r.ints(n, 3, vocab).toArray();
    }

    /**
     * One prefill of {@code prompt} then ten decode steps: every produced logit vector is within
     * {@code tolerance * rms(reference logits)} of the float64 pass, element-wise.
     */
    static void checkAgainstReference(LlamaModel model, double tolerance, long seed) {
        checkAgainstReference(model, ForwardPassTest::cpuExecutor, tolerance, seed);
    }

    /** As above, on the executor {@code backend} makes (a device backend, say). */
    public static void checkAgainstReference(LlamaModel model, Function<LlamaModel, ModelExecutor> backend, double tolerance,
                                             long seed) {
        LlamaConfig c = model.config();
        int[] tokens = randomTokens(c.vocabSize(), 16, seed);
        int promptLength = 6;
        double[][] reference = new Float64Llama(model).logits(tokens);
        try (ModelExecutor ex = backend.apply(model)) {
            KvCache cache = ex.newCache(32);
            float[] logits = poisoned(c.vocabSize());
            ex.prefill(cache, tokens, 0, promptLength, logits);
            assertClose(reference[promptLength - 1], logits, tolerance, "prefill");
            for (int step = 0; step < 10; step++) {
                int pos = promptLength + step;
                logits = poisoned(c.vocabSize());
                ex.decode(cache, tokens[pos], logits);
                assertClose(reference[pos], logits, tolerance, "decode step " + step);
            }
            assertEquals(16, cache.length());
        }
    }

    /**
     * Prefill of N tokens (all logits) equals N single decode steps within {@code tolerance} of the
     * logits' rms: not bit for bit, since, as in llama.cpp, a batch and a single token go through
     * kernels that sum in different orders.
     */
    static void checkPrefillEqualsDecode(LlamaModel model, long seed, double tolerance) {
        // Batch of 5 makes the prompt run in chunks (5, 5, 2) as long prompts do.
        checkPrefillEqualsDecode(model, m -> new CpuBackend().load(m, new ExecutorOptions(2, 5)), seed, tolerance);
    }

    /** As above, on the executor {@code backend} makes. */
    public static void checkPrefillEqualsDecode(LlamaModel model, Function<LlamaModel, ModelExecutor> backend, long seed,
                                                double tolerance) {
        LlamaConfig c = model.config();
        int n = 12;
        int[] tokens = randomTokens(c.vocabSize(), n, seed);
        try (ModelExecutor ex = backend.apply(model)) {
            float[] all = poisoned(n * c.vocabSize());
            ex.prefill(ex.newCache(n), tokens, 0, n, all);
            KvCache cache = ex.newCache(n);
            for (int t = 0; t < n; t++) {
                float[] step = poisoned(c.vocabSize());
                ex.decode(cache, tokens[t], step);
                double[] fromPrefill = new double[c.vocabSize()];
                for (int i = 0; i < fromPrefill.length; i++) {
                    fromPrefill[i] = all[t * c.vocabSize() + i];
                }
                assertClose(fromPrefill, step, tolerance, "position " + t);
            }
        }
    }

    private static ModelExecutor cpuExecutor(LlamaModel model) {
        return new CpuBackend().load(model, new ExecutorOptions(2, 8));
    }

    public static float[] poisoned(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    static void assertClose(double[] expected, float[] actual, double tolerance, String what) {
        double ss = 0;
        for (double e : expected) {
            ss += e * e;
        }
        double rms = Math.sqrt(ss / expected.length);
        assertTrue(rms > 0, "reference logits are all zero");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            if (!(err <= worst)) {
                worst = err;
                at = i;
            }
        }
        assertTrue(worst <= tolerance * rms, what + ": logit " + at + " off by " + worst + " (reference " + expected[Math.max(at, 0)]
                + ", rms " + rms + ", allowed " + tolerance * rms + ")");
    }
}
