package ignis.backend.cpu;

import ignis.backend.BatchExecutor;
import ignis.backend.BatchStep;
import ignis.backend.ExecutorOptions;
import ignis.backend.ModelExecutor;
import ignis.backend.PagedKv;
import ignis.model.LlamaModel;
import java.nio.file.Path;

/**
 * Milliseconds per continuous-batching decode step of 1 and of N sequences on a GGUF, without the
 * server: the kernels, attention and the pool's waits alone. Not a test (surefire skips it):
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * ignis.backend.cpu.BatchStepBench MODEL.gguf [N]}. Each sequence decodes from position 32 on
 * (its first 32 positions' KV filled by a first step), 64 steps per pass; the best pass counts.
 */
final class BatchStepBench {
    private static final int BLOCK = 16;
    private static final int START = 32;
    private static final int STEPS = 64;

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        int many = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        try (LlamaModel model = LlamaModel.load(file);
                ModelExecutor ex = new CpuBackend().load(model, new ExecutorOptions(ExecutorOptions.defaultThreads(), 512))) {
            BatchExecutor batch = (BatchExecutor) ex;
            int blocksPerSeq = (START + STEPS + BLOCK - 1) / BLOCK;
            PagedKv kv = batch.newPagedKv(blocksPerSeq * many, BLOCK);
            int vocab = model.config().vocabSize();
            float[] logits = new float[Math.max(many, START) * vocab];
            double one = best(batch, kv, 1, blocksPerSeq, logits);
            double n = best(batch, kv, many, blocksPerSeq, logits);
            System.out.printf("%s: 1 sequence %.2f ms/step (%.1f tok/s), %d sequences %.2f ms/step (%.1f tok/s): %.2fx%n",
                    file.getFileName(), one, 1000 / one, many, n, 1000 * many / n, many * one / n);
        }
    }

    /** The best of 5 passes (after a warm-up pass) of STEPS decode steps of {@code seqs} sequences, in ms per step. */
    private static double best(BatchExecutor batch, PagedKv kv, int seqs, int blocksPerSeq, float[] logits) {
        int[][] tables = new int[seqs][blocksPerSeq];
        for (int s = 0; s < seqs; s++) {
            for (int b = 0; b < blocksPerSeq; b++) {
                tables[s][b] = s * blocksPerSeq + b;
            }
        }
        BatchStep step = new BatchStep(Math.max(START, seqs), seqs);
        double best = Double.MAX_VALUE;
        for (int pass = 0; pass < 6; pass++) {
            for (int s = 0; s < seqs; s++) {
                step.clear();
                int q = step.addSequence(tables[s]);
                for (int p = 0; p < START; p++) {
                    step.addToken(q, 1 + (31 * p + 7 * s) % 1000, p, p == START - 1);
                }
                batch.forwardBatch(kv, step, logits);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < STEPS; i++) {
                step.clear();
                for (int s = 0; s < seqs; s++) {
                    int q = step.addSequence(tables[s]);
                    step.addToken(q, 1 + (13 * i + 5 * s) % 1000, START + i, true);
                }
                batch.forwardBatch(kv, step, logits);
            }
            double ms = (System.nanoTime() - t0) / 1e6 / STEPS;
            if (pass > 0) {
                best = Math.min(best, ms);
            }
        }
        return best;
    }
}
