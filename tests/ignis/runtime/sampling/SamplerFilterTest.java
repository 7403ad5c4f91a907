package ignis.runtime.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Each stage of the chain, alone and combined, against the float64 reference: the same surviving ids and the same
 * renormalized probabilities. Tolerance: relative 1e-5, since the sampler rounds the
 * penalized and temperature-scaled logits to float32 (|logit| < 20, so < 4 ulp, about 1e-5 absolute) before a
 * float64 softmax.
 */
class SamplerFilterTest {
    private static final double RELATIVE_TOLERANCE = 1e-5;
    private static final int VOCAB = 500;
    /** Temperature 1 and every filter off: the base to switch one stage on at a time. */
    private static final SamplingParams NONE = new SamplingParams(1.0f, 0, 1.0f, 0.0f, 1.0f, 64, 0f, 0f, 7L);
    private static final int[] NO_HISTORY = {};

    @Test
    void greedyIsTheArgmaxWithTiesGoingToTheLowestId() {
        Random random = new Random(11);
        Sampler sampler = new Sampler(SamplingParams.GREEDY, 1000);
        int tiedCases = 0;
        for (int trial = 0; trial < 60; trial++) {
            float[] logits = new float[1000];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = Math.round(random.nextGaussian() * 4) / 2.0f; // coarse: the maximum is often shared
            }
            int expected = 0;
            int atMax = 0;
            for (int i = 0; i < logits.length; i++) {
                if (logits[i] > logits[expected]) {
                    expected = i;
                }
            }
            for (float l : logits) {
                atMax += l == logits[expected] ? 1 : 0;
            }
            tiedCases += atMax > 1 ? 1 : 0;
            assertEquals(expected, sampler.sample(logits), "trial " + trial);
        }
        assertTrue(tiedCases > 10, "the test should exercise ties, had " + tiedCases);
    }

    @Test
    void greedyPicksTheArgmaxAfterPenalties() {
        float[] logits = ReferenceSampling.gaussianLogits(12, 300, 1.0);
        logits[5] = 4.0f;
        logits[9] = 3.0f;
        Sampler sampler = new Sampler(SamplingParams.GREEDY.withRepeatPenalty(1.5f), 300);
        assertEquals(5, sampler.sample(logits));
        sampler.accept(5); // 4 / 1.5 < 3
        assertEquals(9, sampler.sample(logits));
    }

    @Test
    void topKAlone() {
        float[] logits = ReferenceSampling.gaussianLogits(21, VOCAB, 3.0);
        for (int k : new int[] {1, 2, 5, 40, 257, VOCAB - 1, VOCAB, VOCAB + 10, 0, -3}) {
            assertMatchesReference(logits, NONE.withTopK(k), NO_HISTORY, "top_k " + k);
        }
    }

    @Test
    void largeTopKOnALargeVocabulary() {
        float[] logits = ReferenceSampling.gaussianLogits(23, 32000, 1.0);
        for (int k : new int[] {4096, 4097, 10000, 31999}) { // both sides of the heap / quickselect switch
            assertMatchesReference(logits, NONE.withTopK(k), NO_HISTORY, "top_k " + k);
        }
    }

    @Test
    void tiesAtACutGoToTheLowerId() {
        float[] logits = new float[VOCAB];
        Random random = new Random(22);
        for (int i = 0; i < VOCAB; i++) {
            logits[i] = random.nextInt(6); // many equal values straddle every cut
        }
        for (int k : new int[] {1, 3, 50, 100, 333}) {
            assertMatchesReference(logits, NONE.withTopK(k), NO_HISTORY, "tied top_k " + k);
        }
        float[] manyTies = new float[20000];
        for (int i = 0; i < manyTies.length; i++) {
            manyTies[i] = random.nextInt(6);
        }
        for (int k : new int[] {5000, 12345}) { // the quickselect path
            assertMatchesReference(manyTies, NONE.withTopK(k), NO_HISTORY, "tied top_k " + k);
        }
        for (float p : new float[] {0.3f, 0.77f}) {
            assertMatchesReference(manyTies, NONE.withTopP(p), NO_HISTORY, "tied top_p " + p);
        }
    }

    @Test
    void topPAlone() {
        float[] logits = ReferenceSampling.gaussianLogits(31, VOCAB, 3.0);
        for (float p : new float[] {0.001f, 0.1f, 0.5f, 0.9f, 0.95f, 0.999f, 1.0f}) {
            assertMatchesReference(logits, NONE.withTopP(p), NO_HISTORY, "top_p " + p);
        }
    }

    @Test
    void topPOnAFlatLargeVocabularyKeepsALargeNucleus() {
        float[] logits = ReferenceSampling.gaussianLogits(32, 32000, 1.0);
        for (float p : new float[] {0.02f, 0.3f, 0.95f}) {
            int survivors = assertMatchesReference(logits, NONE.withTopP(p), NO_HISTORY, "flat top_p " + p);
            if (p > 0.02f) {
                assertTrue(survivors > 1024, "nucleus of " + survivors + " should be large");
            }
        }
    }

    @Test
    void minPAlone() {
        float[] logits = ReferenceSampling.gaussianLogits(41, VOCAB, 3.0);
        for (float p : new float[] {0.001f, 0.05f, 0.2f, 0.9f, 1.0f, 0.0f}) {
            assertMatchesReference(logits, NONE.withMinP(p), NO_HISTORY, "min_p " + p);
        }
    }

    @Test
    void temperatureAlone() {
        float[] logits = ReferenceSampling.gaussianLogits(51, VOCAB, 3.0);
        for (float t : new float[] {0.25f, 0.7f, 1.0f, 1.8f, 4.0f}) {
            assertMatchesReference(logits, NONE.withTemperature(t), NO_HISTORY, "temperature " + t);
        }
    }

    @Test
    void filtersInChainOrder() {
        float[] logits = ReferenceSampling.gaussianLogits(61, VOCAB, 2.0);
        assertMatchesReference(logits, SamplingParams.DEFAULTS, NO_HISTORY, "defaults");
        assertMatchesReference(logits, NONE.withTopK(100).withTopP(0.8f), NO_HISTORY, "top_k then top_p");
        assertMatchesReference(logits, NONE.withTopK(100).withMinP(0.1f), NO_HISTORY, "top_k then min_p");
        assertMatchesReference(logits, NONE.withTopP(0.9f).withMinP(0.1f), NO_HISTORY, "top_p then min_p");
        assertMatchesReference(logits, NONE.withTopK(60).withTopP(0.9f).withMinP(0.02f).withTemperature(0.6f),
                NO_HISTORY, "all filters, temperature 0.6");
    }

    @Test
    void penaltiesChangeExactlyTheTokensInTheWindow() {
        int vocab = 200;
        float[] logits = ReferenceSampling.gaussianLogits(71, vocab, 3.0);
        Random random = new Random(72);
        int[] history = new int[150];
        for (int i = 0; i < history.length; i++) {
            // the first 86 tokens come from 100..139 and all leave the 64-token window; the rest repeat often
            history[i] = i < 86 ? 100 + random.nextInt(40) : random.nextInt(30);
        }
        SamplingParams params = NONE.withRepeatPenalty(1.3f).withFrequencyPenalty(0.2f).withPresencePenalty(0.5f);
        Sampler sampler = new Sampler(params, vocab);
        for (int token : history) {
            sampler.accept(token);
        }
        double[] expected = ReferenceSampling.penalized(logits, history, params);
        boolean[] inWindow = new boolean[vocab];
        for (int i = history.length - 64; i < history.length; i++) {
            inWindow[history[i]] = true;
        }
        int n = sampler.prepareCandidates(logits);
        assertEquals(vocab, n);
        int positive = 0;
        int negative = 0;
        for (int i = 0; i < n; i++) {
            int token = sampler.candidateToken(i);
            float got = sampler.candidateLogit(i);
            if (inWindow[token]) {
                assertEquals(expected[token], got, 1e-5, "penalized logit of token " + token);
                assertTrue(got < logits[token], "token " + token + " must lose likelihood");
                positive += logits[token] > 0 ? 1 : 0;
                negative += logits[token] <= 0 ? 1 : 0;
            } else {
                assertEquals(logits[token], got, 0.0f, "token " + token + " is outside the window");
            }
        }
        assertTrue(positive > 3 && negative > 3, "window should hold both signs: " + positive + "/" + negative);
        assertMatchesReference(logits, params, history, "penalties");
        assertMatchesReference(logits, SamplingParams.DEFAULTS.withRepeatPenalty(1.1f).withFrequencyPenalty(0.1f),
                history, "penalties with the default filters");
    }

    @Test
    void zeroWindowOrNeutralPenaltiesLeaveLogitsAlone() {
        float[] logits = ReferenceSampling.gaussianLogits(81, VOCAB, 3.0);
        for (SamplingParams params : List.of(NONE.withRepeatPenalty(2f).withRepeatLastN(0), NONE)) {
            Sampler sampler = new Sampler(params, VOCAB);
            for (int t = 0; t < 100; t++) {
                sampler.accept(t);
            }
            int n = sampler.prepareCandidates(logits);
            for (int i = 0; i < n; i++) {
                assertEquals(logits[sampler.candidateToken(i)], sampler.candidateLogit(i), 0.0f);
            }
        }
    }

    /** Compares the sampler's candidates with the reference; returns how many survived. */
    private static int assertMatchesReference(float[] logits, SamplingParams params, int[] history, String what) {
        Sampler sampler = new Sampler(params, logits.length);
        for (int token : history) {
            sampler.accept(token);
        }
        int n = sampler.prepareCandidates(logits);
        Map<Integer, Double> got = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            got.put(sampler.candidateToken(i), sampler.candidateProbability(i));
        }
        Map<Integer, Double> expected = ReferenceSampling.distribution(logits, history, params);
        if (!got.keySet().equals(expected.keySet())) {
            fail(what + ": survivors differ, expected " + expected.size() + " tokens, got " + got.size());
        }
        for (Map.Entry<Integer, Double> e : expected.entrySet()) {
            double g = got.get(e.getKey());
            assertEquals(e.getValue(), g, RELATIVE_TOLERANCE * e.getValue() + 1e-300,
                    what + ": probability of token " + e.getKey());
        }
        return n;
    }
}
