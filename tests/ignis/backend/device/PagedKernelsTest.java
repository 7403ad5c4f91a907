package ignis.backend.device;

import static ignis.backend.device.DeviceBuffers.floats;
import static ignis.backend.device.DeviceBuffers.poisoned;
import static ignis.backend.device.DeviceBuffers.readFloats;
import static ignis.backend.device.KernelConformanceTest.random;
import static ignis.backend.device.KernelConformanceTest.referenceAttention;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ignis.backend.BatchStep;
import ignis.backend.cpu.Rope;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The paged-KV kernels (kv_store_paged, attention_paged_*, rope_at) on every device present
 * against float64 references: sequences of 1 to 300 positions in blocks scattered over a pool,
 * outputs poisoned first, GQA, a step's tokens attended in slices.
 */
class PagedKernelsTest {
    /** Positions of the step's sequences: one position, a split edge (256, 257), the most (300). */
    private static final int[] LENGTHS = {1, 300, 17, 256, 257, 40};

    /** (heads, kv heads, head dim, block positions). */
    static Stream<Arguments> cases() {
        int[][] shapes = {{4, 2, 64, 16}, {8, 1, 128, 16}, {2, 2, 32, 5}};
        List<Arguments> cases = new ArrayList<>();
        for (DeviceOps ops : TestDevices.ops()) {
            for (int[] s : shapes) {
                cases.add(Arguments.of(ops, s[0], s[1], s[2], s[3]));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} heads={1} kv={2} dim={3} block={4}")
    @MethodSource("cases")
    void pagedStoreAndAttentionMatchFloat64(DeviceOps ops, int heads, int kvHeads, int headDim, int blockTokens) {
        Device d = ops.device();
        SplittableRandom r = new SplittableRandom(heads * 31L + headDim + blockTokens);
        int kvDim = kvHeads * headDim;
        int sequences = LENGTHS.length;
        // Every sequence's blocks, drawn from a shuffled pool with some left unused.
        int[][] tables = new int[sequences][];
        int needed = 0;
        for (int s = 0; s < sequences; s++) {
            tables[s] = new int[(LENGTHS[s] + blockTokens - 1) / blockTokens];
            needed += tables[s].length;
        }
        int blocks = needed + 5;
        int[] order = shuffled(blocks, r);
        int next = 0;
        for (int[] table : tables) {
            for (int i = 0; i < table.length; i++) {
                table[i] = order[next++];
            }
        }
        float[][] k = new float[sequences][];
        float[][] v = new float[sequences][];
        int total = 0;
        for (int s = 0; s < sequences; s++) {
            k[s] = random(r, LENGTHS[s] * kvDim, 1.0);
            v[s] = random(r, LENGTHS[s] * kvDim, 1.0);
            total += LENGTHS[s];
        }
        // Store step: every position of every sequence, sequences interleaved token by token.
        BatchStep store = new BatchStep(total, sequences);
        for (int[] table : tables) {
            store.addSequence(table);
        }
        float[] kIn = new float[total * kvDim];
        float[] vIn = new float[total * kvDim];
        for (int p = 0, t = 0; t < total; p++) {
            for (int s = 0; s < sequences; s++) {
                if (p < LENGTHS[s]) {
                    System.arraycopy(k[s], p * kvDim, kIn, t * kvDim, kvDim);
                    System.arraycopy(v[s], p * kvDim, vIn, t * kvDim, kvDim);
                    store.addToken(s, 0, p, false);
                    t++;
                }
            }
        }
        int poolHalves = blocks * blockTokens * kvDim;
        float scale = (float) (1 / Math.sqrt(headDim));
        try (DeviceStepInts stepInts = new DeviceStepInts(d);
             DeviceBuffer kb = floats(d, kIn, "k"); DeviceBuffer vb = floats(d, vIn, "v");
             DeviceBuffer kPool = poisoned(d, poolHalves / 2, "k pool"); DeviceBuffer vPool = poisoned(d, poolHalves / 2, "v pool")) {
            short[] expectedKeys = DeviceBuffers.readShorts(d, kPool, poolHalves);
            short[] expectedValues = expectedKeys.clone();
            stepInts.upload(store, blockTokens);
            ops.kvStorePaged(kb, vb, kPool, vPool, kvDim, stepInts.buffer(), total, blockTokens);
            for (int s = 0; s < sequences; s++) {
                for (int p = 0; p < LENGTHS[s]; p++) {
                    int row = tables[s][p / blockTokens] * blockTokens + p % blockTokens;
                    for (int i = 0; i < kvDim; i++) {
                        expectedKeys[row * kvDim + i] = Float.floatToFloat16(k[s][p * kvDim + i]);
                        expectedValues[row * kvDim + i] = Float.floatToFloat16(v[s][p * kvDim + i]);
                    }
                }
            }
            // Every slot as expected, the unused ones still poisoned.
            assertArrayEquals(expectedKeys, DeviceBuffers.readShorts(d, kPool, poolHalves), "keys");
            assertArrayEquals(expectedValues, DeviceBuffers.readShorts(d, vPool, poolHalves), "values");

            // Attention step: the last 1..3 positions of each sequence (decode tokens and prompt chunks).
            BatchStep step = new BatchStep(3 * sequences, sequences);
            for (int s = 0; s < sequences; s++) {
                step.addSequence(tables[s]);
                for (int p = Math.max(0, LENGTHS[s] - 1 - s % 3); p < LENGTHS[s]; p++) {
                    step.addToken(s, 0, p, true);
                }
            }
            int n = step.tokens();
            int queryDim = heads * headDim;
            float[] q = random(r, n * queryDim, 3.0);
            stepInts.upload(step, blockTokens);
            int splits = stepInts.maxSplits;
            int slice = 4;
            int parts = slice * heads * splits;
            try (DeviceBuffer qb = floats(d, q, "q"); DeviceBuffer out = poisoned(d, n * queryDim, "out");
                 DeviceBuffer partOut = poisoned(d, parts * headDim, "partials");
                 DeviceBuffer partMax = poisoned(d, parts, "maxima"); DeviceBuffer partSum = poisoned(d, parts, "sums")) {
                for (int first = 0; first < n; first += slice) {
                    ops.attentionPaged(qb, kPool, vPool, out, partOut, partMax, partSum, stepInts.buffer(), n, blockTokens, first,
                            Math.min(slice, n - first), splits, heads, headDim, kvDim, heads / kvHeads, scale);
                }
                float[] got = readFloats(d, out, n * queryDim);
                for (int t = 0; t < n; t++) {
                    int s = step.sequence[t];
                    for (int h = 0; h < heads; h++) {
                        double[] ref = referenceAttention(q, t * queryDim + h * headDim, k[s], v[s], (h / (heads / kvHeads)) * headDim,
                                kvDim, headDim, step.position[t] + 1, scale);
                        for (int i = 0; i < headDim; i++) {
                            assertEquals(ref[i], got[t * queryDim + h * headDim + i], 1e-4,
                                    "token " + t + " (sequence " + s + " position " + step.position[t] + ") head " + h + " [" + i + "]");
                        }
                    }
                }
            }
        }
    }

    /** rope_at rotates each token as rope does a lone token at that position (the same math, bit for bit). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("ignis.backend.device.KernelConformanceTest#devices")
    void ropeAtPositionsEqualsRopeOfLoneTokens(DeviceOps ops) {
        Device d = ops.device();
        SplittableRandom r = new SplittableRandom(3);
        int heads = 3;
        int headDim = 64;
        int[] positions = {0, 299, 5, 4095, 5, 1};
        int width = heads * headDim;
        float thetaScale = Rope.thetaScale(headDim, 10000f);
        float[] x = random(r, positions.length * width, 2.0);
        BatchStep step = new BatchStep(positions.length, 1);
        step.addSequence(new int[] {0});
        for (int p : positions) {
            step.addToken(0, 0, p, false);
        }
        try (DeviceStepInts stepInts = new DeviceStepInts(d); DeviceBuffer all = floats(d, x, "rows")) {
            stepInts.upload(step, 1 << 20);
            ops.ropeAt(all, stepInts.buffer(), positions.length, heads, headDim, thetaScale, null);
            float[] got = readFloats(d, all, positions.length * width);
            for (int t = 0; t < positions.length; t++) {
                float[] row = java.util.Arrays.copyOfRange(x, t * width, (t + 1) * width);
                try (DeviceBuffer lone = floats(d, row, "row")) {
                    ops.rope(lone, 1, heads, headDim, positions[t], thetaScale, null);
                    assertArrayEquals(readFloats(d, lone, width), java.util.Arrays.copyOfRange(got, t * width, (t + 1) * width),
                            "token at position " + positions[t]);
                }
            }
        }
    }

    private static int[] shuffled(int n, SplittableRandom r) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
        return a;
    }
}
