package ignis.runtime.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A plain float64 model of llama.cpp's default chain (penalties, top-k, top-p, min-p, temperature, softmax),
 * written straight from the definitions with full sorts, for comparing the sampler against.
 */
final class ReferenceSampling {
    private ReferenceSampling() {
    }

    /** Logits after the penalties, over the last {@code lastN} tokens of {@code history}. */
    static double[] penalized(float[] logits, int[] history, SamplingParams p) {
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i];
        }
        int[] counts = new int[logits.length];
        for (int i = Math.max(0, history.length - p.repeatLastN()); i < history.length; i++) {
            counts[history[i]]++;
        }
        for (int t = 0; t < logits.length; t++) {
            if (counts[t] > 0) {
                double l = out[t];
                l = l <= 0 ? l * p.repeatPenalty() : l / p.repeatPenalty();
                out[t] = l - counts[t] * (double) p.frequencyPenalty() - p.presencePenalty();
            }
        }
        return out;
    }

    /** Surviving token id -> probability, in rank order. */
    static Map<Integer, Double> distribution(float[] logits, int[] history, SamplingParams p) {
        double[] l = penalized(logits, history, p);
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < l.length; i++) {
            kept.add(i);
        }
        // rank: higher logit first, lower id first among equals
        kept.sort(Comparator.<Integer>comparingDouble(i -> -l[i]).thenComparingInt(i -> i));
        if (p.isGreedy()) {
            return Map.of(kept.get(0), 1.0);
        }
        if (p.topK() > 0 && p.topK() < kept.size()) {
            kept = new ArrayList<>(kept.subList(0, p.topK()));
        }
        if (p.topP() < 1.0f) {
            double[] probs = softmax(l, kept, 1.0);
            double cumulative = 0;
            int n = kept.size();
            for (int i = 0; i < probs.length; i++) {
                cumulative += probs[i];
                if (cumulative >= p.topP()) {
                    n = i + 1;
                    break;
                }
            }
            kept = new ArrayList<>(kept.subList(0, n));
        }
        if (p.minP() > 0.0f) {
            double[] probs = softmax(l, kept, 1.0);
            List<Integer> survivors = new ArrayList<>();
            for (int i = 0; i < kept.size(); i++) {
                if (probs[i] >= p.minP() * probs[0]) {
                    survivors.add(kept.get(i));
                }
            }
            kept = survivors;
        }
        double[] probs = softmax(l, kept, p.temperature());
        Map<Integer, Double> result = new LinkedHashMap<>();
        for (int i = 0; i < kept.size(); i++) {
            result.put(kept.get(i), probs[i]);
        }
        return result;
    }

    /** softmax(l[id] / temperature) over the given ids, in their order. */
    static double[] softmax(double[] l, List<Integer> ids, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (int id : ids) {
            max = Math.max(max, l[id] / temperature);
        }
        double[] out = new double[ids.size()];
        double sum = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.exp(l[ids.get(i)] / temperature - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    static float[] gaussianLogits(long seed, int n, double scale) {
        Random random = new Random(seed);
        float[] logits = new float[n];
        for (int i = 0; i < n; i++) {
            logits[i] = (float) (random.nextGaussian() * scale);
        }
        return logits;
    }

    static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        Arrays.setAll(out, i -> values[i]);
        return out;
    }

    /** Chi-square statistic of observed counts against expected probabilities. */
    static double chiSquare(long[] counts, double[] expected, int draws) {
        double chi = 0;
        for (int i = 0; i < counts.length; i++) {
            double e = expected[i] * draws;
            chi += (counts[i] - e) * (counts[i] - e) / e;
        }
        return chi;
    }
}
