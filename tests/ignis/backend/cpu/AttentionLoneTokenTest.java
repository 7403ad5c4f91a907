package ignis.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ignis.model.LlamaConfig;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A decode step's attention (one token summed alone: its heads split in equal shares over the
 * threads, each thread's KV heads touched and attended in runs that fit its cache) gives every
 * head the same bits on 1, 2 and 3 threads, and the float64 softmax attention of the fp16 cache
 * within fp16 tolerance: grouped heads split mid-group, position counts that end inside a vector
 * of 8, one of 32, and runs of one KV head (long contexts), a shuffled block table.
 */
class AttentionLoneTokenTest {
    private static final int BLOCK = 32;

    @Test
    void everyHeadMatchesTheFloat64AttentionOnAnyThreadCount() {
        SplittableRandom random = new SplittableRandom(33);
        int heads = 6;
        int kvHeads = 2;
        int headDim = 64;
        int kvDim = kvHeads * headDim;
        int capacity = 1024;
        LlamaConfig config = new LlamaConfig(heads * headDim, 1, heads, kvHeads, headDim, 64, 32, capacity, 10000f, 1e-5f);
        int[] table = new int[capacity / BLOCK];
        for (int i = 0; i < table.length; i++) {
            table[i] = (i * 7 + 3) % table.length;
        }
        KvStore store = new KvStore(1, table.length, BLOCK, kvDim, headDim);
        float[][] keys = new float[capacity][];
        float[][] values = new float[capacity][];
        KvBatch fill = batch(store, table, 0);
        for (int p = 0; p < capacity; p++) {
            keys[p] = signed(random, kvDim);
            values[p] = signed(random, kvDim);
            fill.position[0] = p;
            fill.store(0, 0, keys[p], 0, values[p], 0);
        }
        for (int position : new int[] {0, 6, 31, 32, 100, 1000}) {
            float[] q = signed(random, heads * headDim);
            float[] oneThread = null;
            for (int threads = 1; threads <= 3; threads++) {
                try (WorkerPool pool = new WorkerPool(threads)) {
                    float[] out = poisoned(q.length);
                    new Attention(pool, config, capacity).attend(batch(store, table, position), 0, q, out);
                    if (oneThread == null) {
                        oneThread = out;
                        checkAgainstFloat64(q, keys, values, position, heads, kvHeads, headDim, out);
                    } else {
                        for (int i = 0; i < out.length; i++) {
                            assertEquals(oneThread[i], out[i], 0f, "position " + position + ", " + threads + " threads, element " + i);
                        }
                    }
                }
            }
        }
    }

    private static void checkAgainstFloat64(float[] q, float[][] keys, float[][] values, int position, int heads, int kvHeads,
                                            int headDim, float[] out) {
        int group = heads / kvHeads;
        for (int h = 0; h < heads; h++) {
            int kv = h / group * headDim;
            double[] score = new double[position + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int p = 0; p <= position; p++) {
                double dot = 0;
                for (int i = 0; i < headDim; i++) {
                    dot += (double) Fp16.round(q[h * headDim + i]) * Fp16.round(keys[p][kv + i]);
                }
                score[p] = dot / Math.sqrt(headDim);
                max = Math.max(max, score[p]);
            }
            double sum = 0;
            for (int p = 0; p <= position; p++) {
                score[p] = Math.exp(score[p] - max);
                sum += score[p];
            }
            for (int i = 0; i < headDim; i++) {
                double expected = 0;
                for (int p = 0; p <= position; p++) {
                    expected += score[p] / sum * Fp16.round(values[p][kv + i]);
                }
                // fp16 probabilities: a relative 2^-11 each, on values below 1
                assertEquals(expected, out[h * headDim + i], 2e-3, "position " + position + ", head " + h + ", component " + i);
            }
        }
    }

    private static KvBatch batch(KvStore store, int[] table, int position) {
        KvBatch b = new KvBatch(1);
        b.store = store;
        b.tokens = 1;
        b.table[0] = table;
        b.batched[0] = false;
        b.position[0] = position;
        return b;
    }

    private static float[] signed(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextDouble(-1, 1);
        }
        return v;
    }

    private static float[] poisoned(int n) {
        float[] v = new float[n];
        Arrays.fill(v, Float.NaN);
        return v;
    }
}
