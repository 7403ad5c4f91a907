package ignis.backend.device;

import static ignis.backend.device.DeviceBuffers.floats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import ignis.runtime.sampling.Sampler;
import ignis.runtime.sampling.SamplingParams;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link DeviceSampler} (kernel sample_token) on every device against the host sampler's own selection: the
 * reference candidates and probabilities come from {@link Sampler}'s package-private {@code prepareCandidates}
 * (called by reflection, so penalties aside the very code the host runs: top-k, top-p, min-p, temperature,
 * softmax in double), and the reference draw walks them in id order (the device's documented order; the host's
 * own order when top-k and top-p are off, where {@link #seededStreamMatchesHostSampler} also checks the real
 * {@link Sampler#sample} end to end). The device's output is poisoned (-1) before each launch. A token may differ
 * only where u lies within 1e-5 of a cumulative boundary (float sums on the device, double on the host), and the
 * survivor count only where the top-p or min-p cut lies within 1e-5 of its threshold; both must stay rare.
 */
class DeviceSamplerTest {
    private static final double TOLERANCE = 1e-5;
    private static final int[] SIZES = {1000, 32000, 128256};

    /** temperature, top_k, top_p, min_p. */
    private static final float[][] PARAMS = {
            {0.8f, 40, 0.95f, 0.05f}, // the defaults
            {1.0f, 0, 1.0f, 0.0f}, // pure temperature: every token survives (the whole-vocabulary walk)
            {0.7f, 0, 0.9f, 0.0f}, // top-p alone (over the whole vocabulary; may fall back to the host)
            {0.7f, 0, 0.5f, 0.1f},
            {1.3f, 0, 1.0f, 0.1f}, // min-p alone
            {1.3f, 0, 1.0f, 0.01f},
            {0.5f, 1, 1.0f, 0.0f},
            {0.9f, 2, 1.0f, 0.0f},
            {1.0f, 1024, 1.0f, 0.0f},
            {1.0f, 1024, 0.99f, 0.0f},
            {0.8f, 100, 0.8f, 0.02f},
            {2.0f, 7, 0.3f, 0.5f},
            {1.0f, 5, 0.6f, 1.0f},
            {0.0f, 40, 0.95f, 0.05f}, // greedy
            {1.0f, 2000, 1.0f, 0.0f}, // top_k beyond the kernel's cap: the host fallback
            {1.5f, 0, 0.999f, 0.0f},
            {0.3f, 300, 0.97f, 0.0f},
    };

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (DeviceOps ops : TestDevices.kernelOps()) {
            for (int n : SIZES) {
                for (String kind : new String[] {"normal", "ties", "flat"}) {
                    cases.add(Arguments.of(ops, n, kind));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} n={1} {2}")
    @MethodSource("cases")
    void matchesHostSelection(DeviceOps ops, int n, String kind) throws Exception {
        Device d = ops.device();
        SplittableRandom r = new SplittableRandom(n * 7919L + kind.hashCode());
        float[] logits = logits(kind, n, r);
        int draws = 0;
        int nearBoundary = 0;
        int fragileCuts = 0;
        try (DeviceBuffer lb = floats(d, logits, "logits"); DeviceSampler sampler = new DeviceSampler(d)) {
            for (float[] c : PARAMS) {
                SamplingParams params = params(c[0], (int) c[1], c[2], c[3]);
                Reference ref = Reference.of(logits, params);
                double[] us = {0.0, 0.5, 0.999999, 1e-9, r.nextDouble(), r.nextDouble(), r.nextDouble(),
                        r.nextDouble(), r.nextDouble(), r.nextDouble()};
                for (double u : us) {
                    sampler.poisonOutput();
                    int token = sampler.sample(lb, n, params, u);
                    String what = params + " u=" + u + " n=" + n + " " + kind;
                    draws++;
                    if (sampler.lastCandidateCount() != ref.size()) {
                        assertTrue(fragileCut(logits, params, sampler.lastCandidateCount(), ref.size()),
                                "survivors " + sampler.lastCandidateCount() + " != host's " + ref.size() + ": " + what);
                        fragileCuts++;
                        continue;
                    }
                    int expected = ref.pick(u);
                    if (token != expected) {
                        assertTrue(ref.nearBoundary(token, u), "token " + token + " != host's " + expected
                                + " (u not at a boundary of " + token + "): " + what);
                        nearBoundary++;
                    }
                }
            }
        }
        assertTrue(nearBoundary <= draws / 100, nearBoundary + " of " + draws + " draws only matched at a boundary");
        assertTrue(fragileCuts <= draws / 100, fragileCuts + " of " + draws + " draws had a cut at its threshold");
    }

    static Stream<Arguments> devices() {
        return TestDevices.kernelOps().stream().map(Arguments::of);
    }

    /** Where the host walks in id order too (top-k, top-p off), the real seeded Sampler, u from the same stream. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void seededStreamMatchesHostSampler(DeviceOps ops) throws Exception {
        Device d = ops.device();
        int n = 32000;
        SamplingParams[] all = {params(1.0f, 0, 1.0f, 0.0f), params(0.8f, 0, 1.0f, 0.05f),
                params(0.7f, 0, 1.0f, 0.3f), params(0.0f, 40, 0.9f, 0.05f), params(1.0f, 0, 1.0f, 1.0f)};
        SplittableRandom logitsRandom = new SplittableRandom(5);
        try (DeviceSampler sampler = new DeviceSampler(d)) {
            for (SamplingParams base : all) {
                SamplingParams params = base.withSeed(1234);
                Sampler host = new Sampler(params, n);
                SplittableRandom stream = new SplittableRandom(params.seed()); // SplitMix64, as the Sampler's
                double pending = Double.NaN;
                for (int step = 0; step < 12; step++) {
                    float[] logits = logits(step % 2 == 0 ? "normal" : "ties", n, logitsRandom);
                    int expected = host.sample(logits);
                    if (Double.isNaN(pending)) {
                        pending = (stream.nextLong() >>> 11) * 0x1.0p-53;
                    }
                    int token;
                    try (DeviceBuffer lb = floats(d, logits, "logits")) {
                        sampler.poisonOutput();
                        token = sampler.sample(lb, n, params, pending);
                    }
                    double u = pending;
                    if (sampler.lastCandidateCount() > 1) {
                        pending = Double.NaN; // the host drew a number: so does the caller
                    }
                    if (token != expected) {
                        assertTrue(Reference.of(logits, params).nearBoundary(token, u),
                                "step " + step + " " + params + ": device " + token + ", host " + expected);
                    }
                }
            }
        }
    }

    /** The kernel's paths are the ones intended: gather/sort, the whole-vocabulary walk, the host fallback. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void pathsAndEdgeCases(DeviceOps ops) throws Exception {
        Device d = ops.device();
        int n = 32000;
        float[] flat = logits("flat", n, new SplittableRandom(9));
        try (DeviceBuffer lb = floats(d, flat, "logits"); DeviceSampler sampler = new DeviceSampler(d)) {
            sampler.sample(lb, n, params(1.0f, 0, 1.0f, 0.0f), 0.3);
            assertFalse(sampler.lastUsedHost(), "pure temperature runs on the device");
            assertEquals(n, sampler.lastCandidateCount());
            sampler.sample(lb, n, params(1.0f, 0, 0.95f, 0.0f), 0.3);
            assertTrue(sampler.lastUsedHost(), "a top-p set beyond the cap falls back");
            sampler.sample(lb, n, params(1.0f, 40, 0.95f, 0.05f), 0.3);
            assertFalse(sampler.lastUsedHost());
            assertTrue(DeviceSampler.runsOnDevice(params(1.0f, 40, 0.95f, 0.05f), n));
            assertFalse(DeviceSampler.runsOnDevice(params(1.0f, 0, 0.95f, 0.05f), n));
            assertFalse(DeviceSampler.supports(SamplingParams.DEFAULTS.withRepeatPenalty(1.1f)));
            assertTrue(DeviceSampler.supports(SamplingParams.DEFAULTS));
        }
        // Greedy and top_k 1 among equal maxima (and -0 == +0): the lowest id.
        float[] ties = new float[5000];
        Arrays.fill(ties, -3.0f);
        ties[4000] = 0.0f;
        ties[1234] = -0.0f;
        ties[4999] = 0.0f;
        ties[17] = Float.NEGATIVE_INFINITY;
        try (DeviceBuffer lb = floats(d, ties, "logits"); DeviceSampler sampler = new DeviceSampler(d)) {
            assertEquals(1234, sampler.sample(lb, ties.length, params(0.0f, 0, 1.0f, 0.0f), 0.9));
            assertEquals(1, sampler.lastCandidateCount());
            assertEquals(1234, sampler.sample(lb, ties.length, params(1.0f, 1, 1.0f, 0.0f), 0.9));
            // top_k 2 takes the two lowest ids of the three maxima; u picks among them in id order
            assertEquals(1234, sampler.sample(lb, ties.length, params(1.0f, 2, 1.0f, 0.0f), 0.49));
            assertEquals(4000, sampler.sample(lb, ties.length, params(1.0f, 2, 1.0f, 0.0f), 0.51));
            assertEquals(2, sampler.lastCandidateCount());
            // min-p 1 keeps exactly the maxima
            assertEquals(4999, sampler.sample(lb, ties.length, params(1.0f, 0, 1.0f, 1.0f), 0.99));
            assertEquals(3, sampler.lastCandidateCount());
        }
        float[] none = new float[300];
        Arrays.fill(none, Float.NEGATIVE_INFINITY);
        try (DeviceBuffer lb = floats(d, none, "logits"); DeviceSampler sampler = new DeviceSampler(d)) {
            assertThrows(IgnisException.class, () -> sampler.sample(lb, none.length, SamplingParams.DEFAULTS, 0.5));
        }
    }

    // ---- the reference ----

    /** The host sampler's candidates (reflection on its package-private chain) sorted by id, with cumulatives. */
    record Reference(int[] ids, double[] before, double[] after) {
        private static final Method PREPARE;
        private static final Method TOKEN;
        private static final Method PROBABILITY;

        static {
            try {
                PREPARE = Sampler.class.getDeclaredMethod("prepareCandidates", float[].class);
                TOKEN = Sampler.class.getDeclaredMethod("candidateToken", int.class);
                PROBABILITY = Sampler.class.getDeclaredMethod("candidateProbability", int.class);
                PREPARE.setAccessible(true);
                TOKEN.setAccessible(true);
                PROBABILITY.setAccessible(true);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static Reference of(float[] logits, SamplingParams params) throws Exception {
            Sampler sampler = new Sampler(params, logits.length);
            int size = (int) PREPARE.invoke(sampler, (Object) logits);
            Integer[] order = new Integer[size];
            int[] token = new int[size];
            double[] probability = new double[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
                token[i] = (int) TOKEN.invoke(sampler, i);
                probability[i] = (double) PROBABILITY.invoke(sampler, i);
            }
            Arrays.sort(order, Comparator.comparingInt(i -> token[i]));
            int[] ids = new int[size];
            double[] before = new double[size];
            double[] after = new double[size];
            double cumulative = 0.0;
            for (int j = 0; j < size; j++) {
                ids[j] = token[order[j]];
                before[j] = cumulative;
                cumulative += probability[order[j]];
                after[j] = cumulative;
            }
            return new Reference(ids, before, after);
        }

        int size() {
            return ids.length;
        }

        /** Sampler.sample's walk, in id order. */
        int pick(double u) {
            if (ids.length == 1) {
                return ids[0];
            }
            int lastLikely = 0;
            for (int j = 0; j < ids.length; j++) {
                if (after[j] > before[j]) {
                    lastLikely = j;
                    if (after[j] > u) {
                        return ids[j];
                    }
                }
            }
            return ids[lastLikely];
        }

        /** Whether token is a candidate whose cumulative interval comes within TOLERANCE of u. */
        boolean nearBoundary(int token, double u) {
            int j = Arrays.binarySearch(ids, token);
            return j >= 0 && u >= before[j] - TOLERANCE && u <= after[j] + TOLERANCE;
        }
    }

    /** Whether the top-p or min-p cut at rank positions between a and b lies within TOLERANCE of its threshold. */
    private static boolean fragileCut(float[] logits, SamplingParams params, int a, int b) {
        int n = logits.length;
        Integer[] rank = new Integer[n];
        for (int i = 0; i < n; i++) {
            rank[i] = i;
        }
        Arrays.sort(rank, (i, j) -> logits[i] != logits[j] ? Float.compare(logits[j], logits[i]) : Integer.compare(i, j));
        double max = logits[rank[0]];
        int k = params.topK() > 0 && params.topK() < n ? params.topK() : n;
        double total = 0.0;
        for (int j = 0; j < k; j++) {
            total += Math.exp(logits[rank[j]] - max);
        }
        double lnMinP = Math.log(params.minP());
        double prefix = 0.0;
        int lo = Math.max(0, Math.min(a, b) - 1);
        int hi = Math.min(k - 1, Math.max(a, b));
        for (int j = 0; j <= hi; j++) {
            prefix += Math.exp(logits[rank[j]] - max);
            if (j >= lo && (Math.abs(prefix / total - params.topP()) <= TOLERANCE
                    || params.minP() > 0 && Math.abs(logits[rank[j]] - max - lnMinP) <= TOLERANCE)) {
                return true;
            }
        }
        return false;
    }

    private static SamplingParams params(float temperature, int topK, float topP, float minP) {
        return new SamplingParams(temperature, topK, topP, minP, 1.0f, 0, 0.0f, 0.0f, 42L);
    }

    /** normal: N(0, 2^2); ties: multiples of 0.5 (N(0, 1.5^2)), -0.0 for half the zeros, 1% -inf; flat: N(0, 0.3^2); none all equal. */
    private static float[] logits(String kind, int n, SplittableRandom r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double g = gaussian(r);
            switch (kind) {
                case "normal" -> x[i] = (float) (2.0 * g);
                case "flat" -> x[i] = (float) (0.3 * g);
                default -> {
                    float v = Math.round(g * 3.0) * 0.5f;
                    if (v == 0.0f && r.nextBoolean()) {
                        v = -0.0f;
                    }
                    x[i] = r.nextInt(100) == 0 ? Float.NEGATIVE_INFINITY : v;
                }
            }
        }
        return x;
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
