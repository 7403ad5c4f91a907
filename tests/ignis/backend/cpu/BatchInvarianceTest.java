package ignis.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ignis.IgnisException;
import ignis.backend.BatchExecutor;
import ignis.backend.BatchStep;
import ignis.backend.ExecutorOptions;
import ignis.backend.KvCache;
import ignis.backend.ModelExecutor;
import ignis.backend.PagedKv;
import ignis.model.LlamaModel;
import ignis.model.SyntheticModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The property continuous batching rests on: a sequence's logits from a batched step over the
 * paged pool, whatever else shares the step and however its prompt is chunked, have exactly the
 * bits of the same sequence run alone, one decode step per token, with a contiguous cache. Block tables are scattered so the paging itself is exercised.
 */
class BatchInvarianceTest {
    private static final int BLOCK = 16;

    /** One sequence: prompt then generated tokens (fixed, not sampled), and its block table. */
    private record Seq(int[] tokens, int promptLength, int[] table) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void batchedLogitsHaveTheBitsOfTheSequenceAlone(String type) {
        SplittableRandom random = new SplittableRandom(type.hashCode());
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(SyntheticModels.TEST_SHAPE, type, 13));
                ModelExecutor ex = new CpuBackend().load(model, new ExecutorOptions(2, 64))) {
            int vocab = model.config().vocabSize();
            List<Integer> freeBlocks = new ArrayList<>();
            for (int b = 0; b < 40; b++) {
                freeBlocks.add(b);
            }
            java.util.Collections.shuffle(freeBlocks, new java.util.Random(random.nextLong()));
            List<Seq> seqs = new ArrayList<>();
            for (int promptLength : new int[] {2, 20, 37, 50}) {
                int[] tokens = new int[promptLength + 12];
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i] = 1 + random.nextInt(vocab - 1);
                }
                int[] table = new int[(tokens.length + BLOCK - 1) / BLOCK];
                for (int i = 0; i < table.length; i++) {
                    table[i] = freeBlocks.removeFirst();
                }
                seqs.add(new Seq(tokens, promptLength, table));
            }
            List<float[][]> alone = new ArrayList<>();
            for (Seq s : seqs) {
                alone.add(alone(ex, s, vocab));
            }
            BatchExecutor batch = (BatchExecutor) ex;
            PagedKv kv = batch.newPagedKv(40, BLOCK);
            int[] done = new int[seqs.size()];
            List<float[][]> batched = new ArrayList<>();
            for (Seq s : seqs) {
                batched.add(new float[s.tokens().length - s.promptLength() + 1][]);
            }
            BatchStep step = new BatchStep(64, seqs.size());
            float[] logits = new float[seqs.size() * vocab];
            int[] stepSeq = new int[seqs.size()];
            while (true) {
                step.clear();
                int inStep = 0;
                for (int i = 0; i < seqs.size(); i++) {
                    Seq s = seqs.get(i);
                    int remaining = s.tokens().length - done[i];
                    int room = step.capacity - step.tokens();
                    if (remaining == 0 || room == 0 || random.nextInt(4) == 0) {
                        continue; // sometimes a sequence sits a step out
                    }
                    // prompt chunks of random size, then one token per step
                    int n = done[i] < s.promptLength() ? 1 + random.nextInt(Math.min(room, s.promptLength() - done[i])) : 1;
                    int seq = step.addSequence(s.table());
                    for (int j = 0; j < n; j++) {
                        int index = done[i] + j;
                        boolean wants = j == n - 1 && index >= s.promptLength() - 1;
                        step.addToken(seq, s.tokens()[index], index, wants);
                    }
                    if (done[i] + n >= s.promptLength()) {
                        stepSeq[inStep++] = i;
                    }
                    done[i] += n;
                }
                if (step.tokens() == 0) {
                    if (Arrays.stream(done).allMatch(d -> d > 0) && allDone(seqs, done)) {
                        break;
                    }
                    continue;
                }
                Arrays.fill(logits, Float.NaN);
                batch.forwardBatch(kv, step, logits);
                for (int r = 0; r < step.logitCount(); r++) {
                    int i = stepSeq[r];
                    int index = done[i] - 1 - seqs.get(i).promptLength() + 1;
                    batched.get(i)[index] = Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab);
                }
            }
            for (int i = 0; i < seqs.size(); i++) {
                for (int j = 0; j < alone.get(i).length; j++) {
                    assertArrayEquals(alone.get(i)[j], batched.get(i)[j],
                            type + ": sequence " + i + " (prompt " + seqs.get(i).promptLength() + "), output " + j);
                }
            }
        }
    }

    private static boolean allDone(List<Seq> seqs, int[] done) {
        for (int i = 0; i < seqs.size(); i++) {
            if (done[i] < seqs.get(i).tokens().length) {
                return false;
            }
        }
        return true;
    }

    /** Logits of the last prompt token and of every later token, run alone one decode step per token. */
    private static float[][] alone(ModelExecutor ex, Seq s, int vocab) {
        KvCache cache = ex.newCache(128);
        float[][] out = new float[s.tokens().length - s.promptLength() + 1][vocab];
        for (int i = 0; i < s.promptLength(); i++) {
            ex.decode(cache, s.tokens()[i], out[0]);
        }
        for (int i = s.promptLength(); i < s.tokens().length; i++) {
            ex.decode(cache, s.tokens()[i], out[i - s.promptLength() + 1]);
        }
        return out;
    }

    @Test
    void aPoolWhoseBlocksSplitAVectorIsRefused() {
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(SyntheticModels.TEST_SHAPE, "Q8_0", 13));
                ModelExecutor ex = new CpuBackend().load(model, new ExecutorOptions(2, 64))) {
            assertThrows(IgnisException.class, () -> ((BatchExecutor) ex).newPagedKv(4, 12));
        }
    }
}
