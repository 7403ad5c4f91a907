package ignis.runtime.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import ignis.model.LoadListener;
import ignis.model.SyntheticModels;
import ignis.runtime.Engine;
import ignis.runtime.EngineOptions;
import ignis.runtime.GenerationParams;
import ignis.runtime.GenerationResult;
import ignis.runtime.GenerationResult.StopReason;
import ignis.runtime.TokenListener;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching on the CPU backend: sequences sharing steps (chunked prefill, decodes of
 * others, preemption, prefix caching) get exactly the tokens they get alone and from the plain
 * single-sequence engine; cancels, rejections and shutdown leave the pool full.
 */
class BatchSchedulerTest {
    private static final int CONTEXT = 256;

    private static Engine engine(String type) {
        return engine(type, 64);
    }

    /** With {@code batchTokens} 1 the plain engine evaluates prompts one token at a time, as the scheduler sums every token. */
    private static Engine engine(String type, int batchTokens) {
        return Engine.load(SyntheticModels.get(SyntheticModels.TEST_SHAPE, type, 21),
                EngineOptions.defaults().withBackend("cpu").withThreads(2).withContextLength(CONTEXT).withBatchTokens(batchTokens),
                LoadListener.NONE);
    }

    private static SchedulerOptions options(int sequences, int kvBlocks) {
        return new SchedulerOptions(sequences, 64, kvBlocks, 0, 16, 64, true);
    }

    /** Different prompts of 2 to 61 tokens. */
    private static List<int[]> prompts(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] p = new int[2 + random.nextInt(60)];
            p[0] = 1;
            for (int j = 1; j < p.length; j++) {
                p[j] = 3 + random.nextInt(2000);
            }
            prompts.add(p);
        }
        return prompts;
    }

    private static GenerationParams greedy(int tokens) {
        return GenerationParams.greedy(tokens).withIgnoreEos(true);
    }

    private static int[] alone(CompletionService service, int[] prompt, int tokens) {
        Collector c = new Collector();
        service.submit(new CompletionRequest(prompt, greedy(tokens)), c);
        return c.await().tokens();
    }

    private static List<GenerationResult> together(CompletionService service, List<int[]> prompts, int tokens) {
        List<Collector> collectors = new ArrayList<>();
        for (int[] p : prompts) {
            Collector c = new Collector();
            service.submit(new CompletionRequest(p, greedy(tokens)), c);
            collectors.add(c);
        }
        return collectors.stream().map(Collector::await).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "Q8_0", "Q4_K"})
    void sixteenConcurrentGreedyRequestsEachGetWhatTheyGetAlone(String type) {
        List<int[]> prompts = prompts(16, 5);
        int tokens = 24;
        List<int[]> alone = new ArrayList<>();
        try (Engine engine = engine(type); BatchScheduler service = BatchScheduler.start(engine, options(16, 400))) {
            for (int[] p : prompts) {
                alone.add(alone(service, p, tokens));
            }
            List<GenerationResult> batched = together(service, prompts, tokens);
            for (int i = 0; i < prompts.size(); i++) {
                assertEquals(tokens, batched.get(i).tokens().length);
                assertArrayEquals(alone.get(i), batched.get(i).tokens(), type + ": request " + i + " batched vs alone");
            }
            assertEquals(0, service.stats().kvBlocksUsed());
        }
        // and the plain single-sequence engine agrees
        try (Engine plain = engine(type, 1)) {
            for (int i = 0; i < 4; i++) {
                int[] expected = plain.generate(prompts.get(i), greedy(tokens), TokenListener.NONE).tokens();
                assertArrayEquals(expected, alone.get(i), type + ": request " + i + " scheduler vs Engine.generate");
            }
        }
    }

    @Test
    void aPoolTooSmallForEveryonePreemptsAndStillGivesTheSameTokens() {
        List<int[]> prompts = prompts(8, 9);
        int tokens = 40;
        try (Engine engine = engine("Q8_0"); BatchScheduler roomy = BatchScheduler.start(engine, options(8, 200))) {
            List<GenerationResult> expected = together(roomy, prompts, tokens);
            roomy.close();
            // 8 sequences of up to 101 positions need up to 56 blocks; 16 blocks force preemption
            try (BatchScheduler tight = BatchScheduler.start(engine, options(8, 16))) {
                List<GenerationResult> got = together(tight, prompts, tokens);
                for (int i = 0; i < prompts.size(); i++) {
                    assertArrayEquals(expected.get(i).tokens(), got.get(i).tokens(), "request " + i);
                }
                ServingStats stats = tight.stats();
                assertTrue(stats.preemptions() > 0, "expected preemptions: " + stats);
                assertEquals(0, stats.kvBlocksUsed());
                assertEquals(8, stats.requestsFinished());
            }
        }
    }

    @Test
    void aRepeatedPromptPrefixIsNotRecomputed() {
        int[] system = prompts(1, 3).getFirst();
        int[] prefix = new int[50];
        for (int i = 0; i < prefix.length; i++) {
            prefix[i] = system[i % system.length];
        }
        int[] a = withSuffix(prefix, 7, 8, 9);
        int[] b = withSuffix(prefix, 10, 11);
        try (Engine engine = engine("Q4_0"); BatchScheduler service = BatchScheduler.start(engine, options(4, 64))) {
            int[] first = alone(service, a, 12);
            long computedBefore = service.stats().promptTokens();
            int[] second = alone(service, b, 12);
            ServingStats stats = service.stats();
            assertEquals(48, stats.prefixCacheHitTokens(), stats.toString()); // three whole 16-token blocks
            assertEquals(b.length - 48, stats.promptTokens() - computedBefore);
            assertTrue(stats.kvBlocksCached() > 0);
            assertEquals(0, stats.kvBlocksUsed());
            try (BatchScheduler uncached = BatchScheduler.start(engine, options(4, 64).withPrefixCaching(false))) {
                assertArrayEquals(alone(uncached, a, 12), first);
                assertArrayEquals(alone(uncached, b, 12), second);
                assertEquals(0, uncached.stats().prefixCacheHitTokens());
            }
        }
    }

    private static int[] withSuffix(int[] prefix, int... suffix) {
        int[] p = java.util.Arrays.copyOf(prefix, prefix.length + suffix.length);
        System.arraycopy(suffix, 0, p, prefix.length, suffix.length);
        return p;
    }

    @Test
    void aCancelledSequenceEndsAndFreesItsBlocksWhileOthersGoOn() throws Exception {
        try (Engine engine = engine("Q8_0"); BatchScheduler service = BatchScheduler.start(engine, options(4, 64))) {
            Collector cancelled = new Collector();
            Submission s = service.submit(new CompletionRequest(prompts(1, 1).getFirst(), greedy(200)), cancelled);
            Collector other = new Collector();
            int[] otherPrompt = prompts(1, 2).getFirst();
            service.submit(new CompletionRequest(otherPrompt, greedy(30)), other);
            assertTrue(cancelled.firstToken.await(60, TimeUnit.SECONDS));
            s.cancel();
            s.cancel();
            GenerationResult r = cancelled.await();
            assertEquals(StopReason.CANCELLED, r.stopReason());
            assertTrue(r.tokens().length < 200);
            int[] otherTokens = other.await().tokens();
            assertArrayEquals(alone(service, otherPrompt, 30), otherTokens);
            ServingStats stats = service.stats();
            assertEquals(0, stats.kvBlocksUsed());
            assertEquals(1, stats.requestsCancelled());
        }
    }

    @Test
    void badRequestsAreRefusedNamingTheProblem() {
        try (Engine engine = engine("Q8_0"); BatchScheduler service = BatchScheduler.start(engine, options(1, 64).withMaxWaiting(1))) {
            IgnisException tooLong = assertThrows(IgnisException.class,
                    () -> service.submit(new CompletionRequest(new int[200], greedy(100)), new Collector()));
            assertTrue(tooLong.getMessage().contains("context length 256"), tooLong.getMessage());
            IgnisException badToken = assertThrows(IgnisException.class,
                    () -> service.submit(new CompletionRequest(new int[] {1, 99999}, greedy(1)), new Collector()));
            assertTrue(badToken.getMessage().contains("99999"), badToken.getMessage());
            assertThrows(IgnisException.class, () -> new CompletionRequest(new int[0], greedy(1)));
            // one running, one waiting, the rest refused
            List<Collector> accepted = new ArrayList<>();
            int refused = 0;
            for (int i = 0; i < 6; i++) {
                Collector c = new Collector();
                try {
                    service.submit(new CompletionRequest(new int[] {1, 5, 6}, greedy(60)), c);
                    accepted.add(c);
                } catch (QueueFullException e) {
                    refused++;
                    assertTrue(e.retryAfterSeconds() > 0);
                }
            }
            assertTrue(refused >= 3, "refused " + refused);
            accepted.forEach(Collector::await);
            assertEquals(0, service.stats().kvBlocksUsed());
            assertTrue(service.stats().requestsRejected() >= refused + 2);
        }
    }

    @Test
    void maxTokensZeroAndAStopStringEndAsTheEngineDoes() {
        int[] prompt = prompts(1, 4).getFirst();
        try (Engine engine = engine("Q8_0"); Engine plainEngine = engine("Q8_0", 1);
                BatchScheduler service = BatchScheduler.start(engine, options(2, 64))) {
            Collector none = new Collector();
            service.submit(new CompletionRequest(prompt, greedy(0)), none);
            assertEquals(0, none.await().tokens().length);
            GenerationResult plain = plainEngine.generate(prompt, greedy(20), TokenListener.NONE);
            String stop = plain.text().substring(plain.text().length() / 2, plain.text().length() / 2 + 2);
            GenerationResult expected = plainEngine.generate(prompt, greedy(20).withStop(List.of(stop)), TokenListener.NONE);
            Collector c = new Collector();
            service.submit(new CompletionRequest(prompt, greedy(20).withStop(List.of(stop))), c);
            GenerationResult got = c.await();
            assertEquals(expected.stopReason(), got.stopReason());
            assertEquals(expected.text(), got.text());
            assertEquals(expected.text(), c.text.toString());
        }
    }

    @Test
    void closingFailsWhatIsStillRunning() {
        Engine engine = engine("Q8_0");
        try (engine) {
            BatchScheduler service = BatchScheduler.start(engine, options(2, 64));
            Collector c = new Collector();
            service.submit(new CompletionRequest(prompts(1, 6).getFirst(), greedy(200)), c);
            service.close();
            assertTrue(c.result.isDone());
            assertThrows(IgnisException.class, () -> service.submit(new CompletionRequest(new int[] {1}, greedy(1)), new Collector()));
        }
    }
}
