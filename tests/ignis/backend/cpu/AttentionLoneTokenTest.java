package ignis.backend.cpu;

import static ignis.backend.cpu.AttentionPairingTest.poisoned;
import static ignis.backend.cpu.AttentionPairingTest.signed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ignis.model.Float64Llama;
import ignis.model.LlamaConfig;
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
                        checkAgainstFloat64(config, q, keys, values, position, out);
                    } else {
                        for (int i = 0; i < out.length; i++) {
                            assertEquals(oneThread[i], out[i], 0f, "position " + position + ", " + threads + " threads, element " + i);
                        }
                    }
                }
            }
        }
    }

    /**
     * The decode step's own key and value, handed to the attention (each thread stores its KV
     * heads after touching them), give the bits of storing them first, and land in the cache:
     * over a slot that held other values, on 1 to 3 threads (3 threads split a KV group of 3).
     */
    @Test
    void storingTheTokensKeysInTheAttentionGivesTheSameBits() {
        SplittableRandom random = new SplittableRandom(34);
        int heads = 6;
        int kvHeads = 2;
        int headDim = 64;
        int kvDim = kvHeads * headDim;
        int capacity = 256;
        LlamaConfig config = new LlamaConfig(heads * headDim, 1, heads, kvHeads, headDim, 64, 32, capacity, 10000f, 1e-5f);
        int[] table = new int[capacity / BLOCK];
        for (int i = 0; i < table.length; i++) {
            table[i] = (i * 5 + 1) % table.length;
        }
        KvStore stored = new KvStore(1, table.length, BLOCK, kvDim, headDim);
        KvStore pending = new KvStore(1, table.length, BLOCK, kvDim, headDim);
        float[][] keys = new float[capacity][];
        float[][] values = new float[capacity][];
        for (int p = 0; p < capacity; p++) {
            keys[p] = signed(random, kvDim);
            values[p] = signed(random, kvDim);
            batch(stored, table, p).store(0, 0, keys[p], 0, values[p], 0);
            batch(pending, table, p).store(0, 0, keys[p], 0, values[p], 0);
        }
        for (int position : new int[] {0, 17, 32, 200}) {
            float[] q = signed(random, heads * headDim);
            float[] expected = poisoned(q.length);
            try (WorkerPool pool = new WorkerPool(1)) {
                new Attention(pool, config, capacity).attend(batch(stored, table, position), 0, q, expected);
            }
            for (int threads = 1; threads <= 3; threads++) {
                batch(pending, table, position).store(0, 0, signed(random, kvDim), 0, signed(random, kvDim), 0);
                try (WorkerPool pool = new WorkerPool(threads)) {
                    float[] out = poisoned(q.length);
                    new Attention(pool, config, capacity).attend(batch(pending, table, position), 0, q, keys[position], values[position], out);
                    for (int i = 0; i < out.length; i++) {
                        assertEquals(expected[i], out[i], 0f, "position " + position + ", " + threads + " threads, element " + i);
                    }
                }
                assertArrayEquals(stored.keys[0], pending.keys[0], "keys after position " + position + ", " + threads + " threads");
                assertArrayEquals(stored.values[0], pending.values[0], "values after position " + position + ", " + threads + " threads");
            }
        }
    }

    /** The float64 attention of the fp16-rounded query, keys and values (as the cache holds them). */
    private static void checkAgainstFloat64(LlamaConfig config, float[] q, float[][] keys, float[][] values, int position, float[] out) {
        double[][] k = new double[position + 1][];
        double[][] v = new double[position + 1][];
        for (int p = 0; p <= position; p++) {
            k[p] = halves(keys[p]);
            v[p] = halves(values[p]);
        }
        double[] expected = Float64Llama.attend(config, halves(q), k, v, position);
        for (int i = 0; i < out.length; i++) {
            // fp16 probabilities: a relative 2^-11 each, on values below 1
            assertEquals(expected[i], out[i], 2e-3, "position " + position + ", element " + i);
        }
    }

    private static double[] halves(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = Fp16.round(x[i]);
        }
        return d;
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
}
