package ignis.backend.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ignis.backend.BatchExecutor;
import ignis.backend.BatchStep;
import ignis.backend.ExecutorOptions;
import ignis.backend.PagedKv;
import ignis.backend.cuda.CudaDevices;
import ignis.backend.opencl.OpenClDiscovery;
import ignis.model.ForwardPassTest;
import ignis.model.LlamaModel;
import ignis.model.LoadListener;
import ignis.model.SyntheticModels;
import ignis.runtime.Engine;
import ignis.runtime.EngineOptions;
import ignis.runtime.GenerationParams;
import ignis.runtime.GenerationResult;
import ignis.runtime.serving.BatchScheduler;
import ignis.runtime.serving.Collector;
import ignis.runtime.serving.CompletionRequest;
import ignis.runtime.serving.SchedulerOptions;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link DeviceExecutor#forwardBatch} on every device present: steps mixing prompt chunks and
 * decode tokens of three sequences over scattered blocks give every token the logits it gets when
 * its sequence runs alone through the executor's prefill, and a block copied with copyBlock
 * serves a fork exactly as the original; and the BatchScheduler over a device engine gives
 * concurrent greedy requests the tokens they get alone.
 */
class DeviceBatchTest {
    /** As DeviceModelTest's prefill-versus-decode bound: float rounding of different summation orders only. */
    private static final double TOLERANCE = 1e-3;
    private static final int BLOCK = 16;

    static Stream<Arguments> models() {
        List<Arguments> cases = new ArrayList<>();
        for (DeviceOps ops : TestDevices.ops()) {
            for (String type : new String[] {"F32", "Q8_0"}) {
                cases.add(Arguments.of(ops, type));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("models")
    void batchedStepsGiveEachSequenceItsLogitsAlone(DeviceOps ops, String type) {
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(SyntheticModels.TEST_SHAPE, type, 7));
             DeviceExecutor ex = new DeviceExecutor(ops, model, new ExecutorOptions(1, 64), LoadListener.NONE, false)) {
            int vocab = model.config().vocabSize();
            // Sequence s's tokens; the steps below run them in pieces.
            int[][] tokens = {ForwardPassTest.randomTokens(vocab, 21, 1), ForwardPassTest.randomTokens(vocab, 10, 2),
                    ForwardPassTest.randomTokens(vocab, 40, 3)};
            float[][] alone = new float[tokens.length][];
            for (int s = 0; s < tokens.length; s++) {
                alone[s] = new float[tokens[s].length * vocab];
                ex.prefill(ex.newCache(tokens[s].length), tokens[s], 0, tokens[s].length, alone[s]);
            }
            // Blocks of 16: sequences of 2, 1 and 3 blocks (and a fork's one), scattered over 12.
            int[][] tables = {{7, 2}, {9}, {0, 11, 4}, {5}};
            // {sequence, first position, count} per piece; a step's pieces run together.
            int[][][] steps = {
                    {{0, 0, 12}, {1, 0, 7}},
                    {{0, 12, 8}, {1, 7, 1}, {2, 0, 16}},
                    {{0, 20, 1}, {1, 8, 1}, {2, 16, 24}}};
            try (PagedKv kv = ex.newPagedKv(12, BLOCK)) {
                BatchStep step = new BatchStep(ex.maxStepTokens(), 4);
                for (int[][] pieces : steps) {
                    step.clear();
                    for (int[] table : tables) {
                        step.addSequence(table);
                    }
                    for (int[] piece : pieces) {
                        for (int p = piece[1]; p < piece[1] + piece[2]; p++) {
                            step.addToken(piece[0], tokens[piece[0]][p], p, true);
                        }
                    }
                    float[] logits = ForwardPassTest.poisoned(step.logitCount() * vocab);
                    ex.forwardBatch(kv, step, logits);
                    for (int i = 0; i < step.logitCount(); i++) {
                        int t = step.logitTokens[i];
                        int s = step.sequence[t];
                        assertClose(alone[s], step.position[t] * vocab, logits, i * vocab, vocab,
                                type + ": sequence " + s + " position " + step.position[t]);
                    }
                }
                // A fork of sequence 1 (positions 0..8 in block 9) into block 5: its next token's logits equal the original's.
                kv.copyBlock(9, 5);
                step.clear();
                for (int[] table : tables) {
                    step.addSequence(table);
                }
                step.addToken(1, tokens[1][9], 9, true);
                step.addToken(3, tokens[1][9], 9, true);
                float[] logits = ForwardPassTest.poisoned(2 * vocab);
                ex.forwardBatch(kv, step, logits);
                assertArrayEquals(Arrays.copyOfRange(logits, 0, vocab), Arrays.copyOfRange(logits, vocab, 2 * vocab), "fork");
                assertClose(alone[1], 9 * vocab, logits, 0, vocab, type + ": sequence 1 position 9");
            }
        }
    }

    /** Every device backend present, by name ({@code opencl:N}, {@code cuda:N}). */
    static Stream<String> backends() {
        List<String> names = new ArrayList<>();
        OpenClDiscovery openCl = OpenClDiscovery.discover();
        if (openCl.available()) {
            for (int i = 0; i < openCl.devices().size(); i++) {
                names.add("opencl:" + i);
            }
        }
        for (int i = 0; i < CudaDevices.discover().devices().size(); i++) {
            names.add("cuda:" + i);
        }
        assumeTrue(!names.isEmpty(), "no compute device");
        return names.stream();
    }

    /**
     * Four concurrent greedy requests get the tokens each gets alone. The step's size changes how
     * the device sums matrix products (gemm from 8 tokens on), so a divergence is accepted only at
     * a near-tie: where the two tokens' logits, recomputed alone, differ by no more than twice
     * the bound on each logit's rounding difference; the rest of that request is not compared.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void theSchedulerOverADeviceGivesConcurrentRequestsTheirTokensAlone(String backend) {
        SplittableRandom random = new SplittableRandom(5);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int[] p = new int[2 + random.nextInt(60)];
            p[0] = 1;
            for (int j = 1; j < p.length; j++) {
                p[j] = 3 + random.nextInt(500);
            }
            prompts.add(p);
        }
        int tokens = 16;
        try (Engine engine = Engine.load(SyntheticModels.get(SyntheticModels.TEST_SHAPE, "Q8_0", 21),
                EngineOptions.defaults().withBackend(backend).withContextLength(256).withBatchTokens(64), LoadListener.NONE)) {
            assertTrue(engine.executor() instanceof BatchExecutor, engine.executor().getClass().getSimpleName());
            List<int[]> alone = new ArrayList<>();
            List<int[]> together = new ArrayList<>();
            try (BatchScheduler service = BatchScheduler.start(engine, new SchedulerOptions(4, 64, 64, 0, BLOCK, 64, false))) {
                for (int[] p : prompts) {
                    alone.add(complete(service, p, tokens).join().tokens());
                }
                List<CompletableFuture<GenerationResult>> running = new ArrayList<>();
                for (int[] p : prompts) {
                    running.add(complete(service, p, tokens));
                }
                for (CompletableFuture<GenerationResult> r : running) {
                    together.add(r.join().tokens());
                }
            }
            for (int i = 0; i < prompts.size(); i++) {
                int[] a = alone.get(i);
                int[] b = together.get(i);
                assertTrue(a.length == tokens && b.length == tokens, "request " + i + ": " + a.length + " and " + b.length + " tokens");
                int j = 0;
                while (j < tokens && a[j] == b[j]) {
                    j++;
                }
                if (j < tokens) {
                    assertNearTie(engine, prompts.get(i), a, j, b[j], backend + ": request " + i);
                }
            }
        }
    }

    private static CompletableFuture<GenerationResult> complete(BatchScheduler service, int[] prompt, int tokens) {
        Collector collector = new Collector();
        service.submit(new CompletionRequest(prompt, GenerationParams.greedy(tokens).withIgnoreEos(true)), collector);
        return collector.result.orTimeout(300, TimeUnit.SECONDS);
    }

    /** After {@code prompt} and {@code generated[0..at)}, tokens generated[at] and {@code other} are within rounding of each other. */
    private static void assertNearTie(Engine engine, int[] prompt, int[] generated, int at, int other, String what) {
        int[] context = Arrays.copyOf(prompt, prompt.length + at);
        System.arraycopy(generated, 0, context, prompt.length, at);
        int vocab = engine.model().config().vocabSize();
        float[] logits = new float[vocab];
        engine.executor().prefill(engine.executor().newCache(context.length), context, 0, context.length, logits);
        double ss = 0;
        for (float l : logits) {
            ss += (double) l * l;
        }
        double margin = Math.abs(logits[generated[at]] - logits[other]);
        assertTrue(margin <= 2 * TOLERANCE * Math.sqrt(ss / vocab), what + ": token " + at + " is " + other + " batched, "
                + generated[at] + " alone, with a margin of " + margin + " between them");
        System.out.println(what + ": diverged at a near-tie, token " + at + " (margin " + margin + ")");
    }

    /** Every logit within TOLERANCE times the reference row's rms (ForwardPassTest's measure). */
    static void assertClose(float[] expected, int eOffset, float[] actual, int aOffset, int n, String what) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (double) expected[eOffset + i] * expected[eOffset + i];
        }
        double rms = Math.sqrt(ss / n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double err = Math.abs(expected[eOffset + i] - actual[aOffset + i]);
            worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : Math.max(worst, err);
        }
        assertTrue(worst <= TOLERANCE * rms, what + ": logits off by " + worst + " (rms " + rms + ")");
    }
}
