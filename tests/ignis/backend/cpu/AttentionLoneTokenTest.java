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

    private static final int HEADS = 6;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = 64;
    private static final int KV_DIM = KV_HEADS * HEAD_DIM;

    /** A one-layer cache of {@code capacity} positions, every one filled with random keys and values (kept here too), its blocks shuffled. */
    private record Cache(LlamaConfig config, KvStore store, int[] table, float[][] keys, float[][] values) {
        static Cache filled(long seed, int capacity) {
            SplittableRandom random = new SplittableRandom(seed);
            LlamaConfig config = new LlamaConfig(HEADS * HEAD_DIM, 1, HEADS, KV_HEADS, HEAD_DIM, 64, 32, capacity, 10000f, 1e-5f);
            int[] table = new int[capacity / BLOCK];
            for (int i = 0; i < table.length; i++) {
                table[i] = (i * 7 + 3) % table.length;
            }
            KvStore store = new KvStore(1, table.length, BLOCK, KV_DIM, HEAD_DIM);
            float[][] keys = new float[capacity][];
            float[][] values = new float[capacity][];
            for (int p = 0; p < capacity; p++) {
                keys[p] = signed(random, KV_DIM);
                values[p] = signed(random, KV_DIM);
                batch(store, table, p).store(0, 0, keys[p], 0, values[p], 0);
            }
            return new Cache(config, store, table, keys, values);
        }

        KvBatch at(int position) {
            return batch(store, table, position);
        }
    }

    @Test
    void everyHeadMatchesTheFloat64AttentionOnAnyThreadCount() {
        int capacity = 1024;
        Cache cache = Cache.filled(33, capacity);
        LlamaConfig config = cache.config();
        SplittableRandom random = new SplittableRandom(35);
        for (int position : new int[] {0, 6, 31, 32, 100, 1000}) {
            float[] q = signed(random, HEADS * HEAD_DIM);
            float[] oneThread = null;
            for (int threads = 1; threads <= 3; threads++) {
                try (WorkerPool pool = new WorkerPool(threads)) {
                    float[] out = poisoned(q.length);
                    new Attention(pool, config, capacity).attend(cache.at(position), 0, q, out);
                    if (oneThread == null) {
                        oneThread = out;
                        checkAgainstFloat64(config, q, cache.keys(), cache.values(), position, out);
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
        int capacity = 256;
        Cache stored = Cache.filled(34, capacity);
        Cache pending = Cache.filled(34, capacity);
        LlamaConfig config = stored.config();
        SplittableRandom random = new SplittableRandom(36);
        for (int position : new int[] {0, 17, 32, 200}) {
            float[] q = signed(random, HEADS * HEAD_DIM);
            float[] expected = poisoned(q.length);
            try (WorkerPool pool = new WorkerPool(1)) {
                new Attention(pool, config, capacity).attend(stored.at(position), 0, q, expected);
            }
            for (int threads = 1; threads <= 3; threads++) {
                // the slot holds other values until the attention stores the token's own
                pending.at(position).store(0, 0, signed(random, KV_DIM), 0, signed(random, KV_DIM), 0);
                try (WorkerPool pool = new WorkerPool(threads)) {
                    float[] out = poisoned(q.length);
                    new Attention(pool, config, capacity).attend(pending.at(position), 0, q,
                            stored.keys()[position], stored.values()[position], out);
                    for (int i = 0; i < out.length; i++) {
                        assertEquals(expected[i], out[i], 0f, "position " + position + ", " + threads + " threads, element " + i);
                    }
                }
                assertArrayEquals(stored.store().keys[0], pending.store().keys[0], "keys after position " + position + ", " + threads + " threads");
                assertArrayEquals(stored.store().values[0], pending.store().values[0], "values after position " + position + ", " + threads + " threads");
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
