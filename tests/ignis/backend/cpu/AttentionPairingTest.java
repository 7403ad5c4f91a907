package ignis.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ignis.model.LlamaConfig;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Prefill attention that takes two tokens of a sequence in one pass over the keys and values
 * (and, with 512-bit vectors, both tokens' weighted values in one vector) gives each token
 * exactly the output it gets attended alone, in the same batch order: prompt lengths that end
 * inside a vector of 8 positions and of 16, grouped heads, a shuffled block table.
 */
class AttentionPairingTest {
    private static final int BLOCK = 32;

    @Test
    void pairedTokensHaveTheBitsOfTokensAttendedAlone() {
        SplittableRandom random = new SplittableRandom(21);
        int heads = 4;
        int kvHeads = 2;
        int headDim = 64;
        int kvDim = kvHeads * headDim;
        LlamaConfig config = new LlamaConfig(heads * headDim, 1, heads, kvHeads, headDim, 64, 32, 256, 10000f, 1e-5f);
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int tokens : new int[] {2, 7, 21, 37, 70}) {
                int[] table = {3, 1, 4, 0, 2};
                KvStore store = new KvStore(1, table.length, BLOCK, kvDim, headDim);
                float[] q = signed(random, tokens * heads * headDim);
                KvBatch batch = new KvBatch(tokens);
                batch.store = store;
                batch.tokens = tokens;
                for (int t = 0; t < tokens; t++) {
                    batch.position[t] = t;
                    batch.table[t] = table;
                    batch.batched[t] = true;
                    batch.store(0, t, signed(random, kvDim), 0, signed(random, kvDim), 0);
                }
                Attention attention = new Attention(pool, config, 128);
                float[] paired = poisoned(q.length);
                attention.attend(batch, 0, q, paired);
                for (int t = 0; t < tokens; t++) {
                    // a copy of the table per token: no two tokens share keys, each is attended alone
                    batch.table[t] = table.clone();
                }
                float[] alone = poisoned(q.length);
                attention.attend(batch, 0, q, alone);
                for (int i = 0; i < q.length; i++) {
                    assertEquals(alone[i], paired[i], 0f, tokens + " tokens: token " + i / (heads * headDim) + ", element " + i % (heads * headDim));
                }
            }
        }
    }

    static float[] signed(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextDouble(-1, 1);
        }
        return v;
    }

    static float[] poisoned(int n) {
        float[] v = new float[n];
        Arrays.fill(v, Float.NaN);
        return v;
    }
}
