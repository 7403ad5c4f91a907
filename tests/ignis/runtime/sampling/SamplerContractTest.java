package ignis.runtime.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** What the sampler promises besides the numbers: input untouched, no allocation per call, clear errors. */
class SamplerContractTest {
    private static final int VOCAB = 32000;

    private static List<SamplingParams> variety() {
        return List.of(
                SamplingParams.DEFAULTS,
                SamplingParams.GREEDY.withRepeatPenalty(1.3f),
                SamplingParams.DEFAULTS.withTopK(0), // top-p over the whole vocabulary
                SamplingParams.DEFAULTS.withTopK(10000), // top-k by quickselect
                SamplingParams.DEFAULTS.withTopK(0).withTopP(1.0f), // min-p alone, unsorted
                SamplingParams.DEFAULTS.withTopK(0).withTopP(1.0f).withMinP(0.0f),
                SamplingParams.DEFAULTS.withRepeatPenalty(1.2f).withFrequencyPenalty(0.3f).withPresencePenalty(0.4f));
    }

    @Test
    void sampleDoesNotModifyTheLogits() {
        float[] logits = ReferenceSampling.gaussianLogits(1, VOCAB, 1.0);
        logits[17] = Float.NEGATIVE_INFINITY;
        float[] copy = logits.clone();
        for (SamplingParams params : variety()) {
            Sampler sampler = new Sampler(params, VOCAB);
            for (int t = 0; t < 100; t++) {
                sampler.accept(t * 7);
            }
            for (int i = 0; i < 5; i++) {
                sampler.sample(logits);
            }
            assertArrayEquals(copy, logits, "logits changed under " + params);
        }
    }

    @Test
    void sampleDoesNotAllocateAfterWarmUp() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        float[] logits = ReferenceSampling.gaussianLogits(2, VOCAB, 1.0);
        SplittableRandom random = new SplittableRandom(3);
        for (SamplingParams params : variety()) {
            Sampler sampler = new Sampler(params, VOCAB);
            for (int i = 0; i < 300; i++) {
                sampler.accept(sampler.sample(logits));
            }
            int calls = 200;
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < calls; i++) {
                sampler.accept(sampler.sample(logits));
                sampler.accept(random.nextInt(VOCAB));
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < calls, allocated + " bytes allocated over " + calls + " calls under " + params);
        }
    }

    @Test
    void badInputRaisesClearErrors() {
        Sampler sampler = new Sampler(SamplingParams.DEFAULTS, 10);
        assertMessage("logits has 9 entries but the vocabulary has 10 tokens", () -> sampler.sample(new float[9]));
        float[] nan = new float[10];
        nan[4] = Float.NaN;
        assertMessage("logit of token 4 is NaN", () -> sampler.sample(nan));
        float[] allMasked = new float[10];
        java.util.Arrays.fill(allMasked, Float.NEGATIVE_INFINITY);
        assertMessage("every logit is -Infinity", () -> sampler.sample(allMasked));
        assertMessage("token 10 is outside the vocabulary of 10 tokens", () -> sampler.accept(10));
        assertMessage("token -1 is outside the vocabulary", () -> sampler.accept(-1));
        assertMessage("vocabulary size must be > 0, got 0", () -> new Sampler(SamplingParams.DEFAULTS, 0));
    }

    @Test
    void maskedTokensAreNeverDrawn() {
        float[] logits = new float[50];
        java.util.Arrays.fill(logits, Float.NEGATIVE_INFINITY);
        logits[3] = 0.1f;
        logits[40] = 0.0f;
        SamplingParams open = new SamplingParams(1.5f, 0, 1.0f, 0.0f, 1.0f, 64, 0f, 0f, 4L);
        Sampler sampler = new Sampler(open, 50);
        int[] seen = new int[50];
        for (int i = 0; i < 2000; i++) {
            seen[sampler.sample(logits)]++;
        }
        assertEquals(2000, seen[3] + seen[40]);
        assertTrue(seen[3] > 0 && seen[40] > 0);
    }

    private static void assertMessage(String expectedPart, org.junit.jupiter.api.function.Executable call) {
        IgnisException e = assertThrows(IgnisException.class, call);
        assertTrue(e.getMessage().contains(expectedPart), "message was: " + e.getMessage());
    }
}
