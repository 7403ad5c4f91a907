package ignis.runtime.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The random draw: empirical frequencies of 20,000 draws against the float64 softmax. The chi-square bound is the
 * 0.1% critical value for the degrees of freedom used, and no single token may stray more than 5 standard
 * deviations; with fixed seeds the outcome is deterministic, the bounds say how unlikely a correct draw is to fail.
 */
class SamplerDistributionTest {
    private static final int DRAWS = 20_000;
    private static final double CHI2_CRITICAL_DF19 = 43.82; // chi-square 0.999 quantile, 19 degrees of freedom
    private static final SamplingParams NO_FILTERS = new SamplingParams(1.0f, 0, 1.0f, 0.0f, 1.0f, 64, 0f, 0f, 99L);

    private static float[] twentyLogits() {
        float[] logits = new float[20];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextDouble(-2.0, 2.0);
        }
        return logits;
    }

    @Test
    void drawsFollowTheSoftmaxAtTemperatureOne() {
        float[] logits = twentyLogits();
        long[] counts = drawCounts(new Sampler(NO_FILTERS, 20), logits);
        double[] expected = softmax(logits, 1.0);
        assertFits(counts, expected, "temperature 1");
    }

    @Test
    void temperatureSharpensOrFlattensAsPredicted() {
        float[] logits = twentyLogits();
        double[] atOne = softmax(logits, 1.0);
        for (float t : new float[] {0.5f, 2.0f}) {
            long[] counts = drawCounts(new Sampler(NO_FILTERS.withTemperature(t), 20), logits);
            assertFits(counts, softmax(logits, t), "temperature " + t);
            double againstOne = ReferenceSampling.chiSquare(counts, atOne, DRAWS);
            assertTrue(againstOne > 10 * CHI2_CRITICAL_DF19,
                    "temperature " + t + " must move the distribution away from temperature 1, chi2 " + againstOne);
        }
    }

    @Test
    void drawsFollowTheFilteredDistributionOfTheDefaultChain() {
        float[] logits = ReferenceSampling.gaussianLogits(6, 1000, 1.5);
        Map<Integer, Double> reference = ReferenceSampling.distribution(logits, new int[0], SamplingParams.DEFAULTS);
        List<Integer> ids = new ArrayList<>(reference.keySet());
        double[] expected = new double[ids.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = reference.get(ids.get(i));
        }
        long[] all = drawCounts(new Sampler(SamplingParams.DEFAULTS, 1000), logits);
        long[] counts = new long[ids.size()];
        long outside = 0;
        for (int token = 0; token < all.length; token++) {
            int at = ids.indexOf(token);
            if (at >= 0) {
                counts[at] = all[token];
            } else {
                outside += all[token];
            }
        }
        assertEquals(0, outside, "tokens removed by the filters were drawn");
        assertTrue(ids.size() > 5 && ids.size() < 40, "the filters should leave a handful, left " + ids.size());
        double chi = ReferenceSampling.chiSquare(counts, expected, DRAWS);
        // 0.999 quantile by the Wilson-Hilferty approximation, for these degrees of freedom
        int df = ids.size() - 1;
        double z = 3.09;
        double critical = df * Math.pow(1 - 2.0 / (9 * df) + z * Math.sqrt(2.0 / (9 * df)), 3);
        assertTrue(chi < critical, "chi2 " + chi + " over " + critical);
    }

    @Test
    void sameSeedSameTokensDifferentSeedDifferentTokens() {
        float[] logits = ReferenceSampling.gaussianLogits(8, 300, 0.5);
        SamplingParams params = SamplingParams.DEFAULTS.withRepeatPenalty(1.2f).withSeed(1234);
        int[] first = generate(new Sampler(params, 300), logits, 300);
        int[] second = generate(new Sampler(params, 300), logits, 300);
        int[] otherSeed = generate(new Sampler(params.withSeed(1235), 300), logits, 300);
        assertArrayEquals(first, second);
        assertNotEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(otherSeed));
    }

    @Test
    void resetForgetsHistoryAndRestartsTheRandomSequence() {
        float[] logits = ReferenceSampling.gaussianLogits(9, 300, 0.5);
        Sampler sampler = new Sampler(SamplingParams.DEFAULTS.withRepeatPenalty(1.3f), 300);
        int[] first = generate(sampler, logits, 200);
        sampler.reset();
        assertArrayEquals(first, generate(sampler, logits, 200));
    }

    /** Draws with every drawn token accepted back, like a generation loop, on fixed logits. */
    private static int[] generate(Sampler sampler, float[] logits, int n) {
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = sampler.sample(logits);
            sampler.accept(tokens[i]);
        }
        return tokens;
    }

    private static long[] drawCounts(Sampler sampler, float[] logits) {
        long[] counts = new long[logits.length];
        for (int i = 0; i < DRAWS; i++) {
            counts[sampler.sample(logits)]++;
        }
        return counts;
    }

    private static double[] softmax(float[] logits, double temperature) {
        double[] l = ReferenceSampling.toDoubles(logits);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < l.length; i++) {
            ids.add(i);
        }
        return ReferenceSampling.softmax(l, ids, temperature);
    }

    private static void assertFits(long[] counts, double[] expected, String what) {
        double chi = ReferenceSampling.chiSquare(counts, expected, DRAWS);
        assertTrue(chi < CHI2_CRITICAL_DF19, what + ": chi2 " + chi + " over " + CHI2_CRITICAL_DF19);
        for (int i = 0; i < counts.length; i++) {
            double p = expected[i];
            double deviation = Math.abs(counts[i] / (double) DRAWS - p);
            assertTrue(deviation < 5 * Math.sqrt(p * (1 - p) / DRAWS),
                    what + ": token " + i + " drawn at " + counts[i] / (double) DRAWS + ", expected " + p);
        }
    }
}
