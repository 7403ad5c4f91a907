package ignis.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.backend.ExecutorOptions;
import ignis.backend.KvCache;
import ignis.backend.ModelExecutor;
import ignis.model.LlamaModel;
import ignis.model.SyntheticModels;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Decoding allocates (almost) nothing per token once warm, on the caller's thread or the workers',
 * also after prefills have run (they compile other paths of the same kernels).
 * Measured: 0 for most types; about 160 bytes per token for Q8_0 (two or three Vector API boxes on a
 * rarely taken path), hence the bound. Not yet covered: Q6_K after other
 * formats in one JVM, and mixed Q4_K/Q6_K models, still allocate (C2 stops inlining the Q6_K
 * kernel), left to the CPU-speed issue.
 */
class DecodeAllocationTest {

    private static long allocatedByAllThreads() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return Arrays.stream(threads.getThreadAllocatedBytes(threads.getAllThreadIds())).filter(b -> b > 0).sum();
    }

    @Test
    void steadyStateDecodeAllocatesAlmostNothingPerToken() {
        for (String type : new String[] {"Q8_0", "Q4_0", "Q4_K", "F16"}) {
            try (LlamaModel model = LlamaModel.load(SyntheticModels.get(SyntheticModels.TEST_SHAPE, type, 7));
                    ModelExecutor ex = new CpuBackend().load(model, new ExecutorOptions(2, 16))) {
                KvCache cache = ex.newCache(400);
                float[] logits = new float[model.config().vocabSize()];
                int[] prompt = {5, 17, 300, 42, 7, 99, 1000, 12};
                for (int i = 0; i < 4000; i++) { // warm up until the JIT has compiled the kernels
                    if (cache.length() == 200) {
                        cache.truncate(0);
                    }
                    if (cache.length() == 0) {
                        // a prefill first, as generation does: its kernels must not spoil decode's
                        ex.prefill(cache, prompt, 0, prompt.length, logits);
                    }
                    ex.decode(cache, 3 + i % 1000, logits);
                }
                cache.truncate(0);
                int steps = 200;
                long before = allocatedByAllThreads();
                for (int i = 0; i < steps; i++) {
                    ex.decode(cache, 3 + (i * 7) % 1000, logits);
                }
                long perToken = (allocatedByAllThreads() - before) / steps;
                assertTrue(perToken < 256, type + ": " + perToken + " bytes allocated per decoded token");
            }
        }
    }
}
