package ignis.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The 512-bit pair kernel of prefill attention's weighted values has, for each token, tinyBLAS's
 * 8 lane sums (lane j takes the products of positions j, j+8, ... in turn), written here one lane
 * at a time in scalar code. It runs on any machine (the Vector API computes 512-bit vectors in
 * software where the hardware lacks them).
 */
class AttentionPairsTest {
    private static final int L = GgmlMath.LANES;

    @Test
    void weightedValuesHaveEachQuerysLaneSumsThroughTheBlockTable() {
        SplittableRandom random = new SplittableRandom(6);
        int blockTokens = 32;
        int kvDim = 8;
        int[] table = {2, 0, 3, 1};
        float[] values = halves(random, table.length * blockTokens * kvDim);
        int[] valueBase = new int[table.length * blockTokens / L];
        for (int p = 0; p < table.length * blockTokens; p += L) {
            valueBase[p / L] = table[p / blockTokens] * blockTokens * kvDim + p % blockTokens;
        }
        for (int n : new int[] {7, 16, 40, 100, 128}) {
            float[] pa = halves(random, n);
            float[] pb = halves(random, n);
            float[] pair = poisoned(2 * (n + L));
            AttentionPairs.interleave(pa, pb, n & -(2 * L), pair);
            for (int first : new int[] {0, 4}) {
                int row = first * blockTokens;
                float[] slots = poisoned(8 * L);
                int done = AttentionPairs.weightedValues(pair, n, values, row, blockTokens, valueBase, slots);
                assertEquals(n & -(2 * L), done, "positions done of " + n);
                for (int u = 0; u < 4; u++) {
                    for (int lane = 0; lane < L; lane++) {
                        String what = n + " positions, component " + (first + u) + ", lane " + lane;
                        int component = row + u * blockTokens;
                        assertEquals(laneSum(pa, values, component, valueBase, lane, done), slots[16 * u + lane], 0f, what + ", first query");
                        assertEquals(laneSum(pb, values, component, valueBase, lane, done), slots[16 * u + L + lane], 0f, what + ", second query");
                    }
                }
            }
        }
    }

    /** Lane {@code lane} of a weighted sum: positions lane, lane + 8, ... below {@code n}, in turn. */
    private static float laneSum(float[] prob, float[] values, int component, int[] valueBase, int lane, int n) {
        float sum = 0;
        for (int p = lane; p < n; p += L) {
            sum = Math.fma(prob[p], values[component + valueBase[p / L] + p % L], sum);
        }
        return sum;
    }

    /** Random values rounded to fp16 as the cache and the rounded queries hold them, none zero. */
    private static float[] halves(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            float x = (float) (random.nextDouble(0.05, 2) * (random.nextBoolean() ? 1 : -1));
            v[i] = Fp16.round(x);
        }
        return v;
    }

    private static float[] poisoned(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, Float.NaN);
        return v;
    }
}
