package ignis.server;

import ignis.IgnisException;
import ignis.runtime.GenerationResult;
import ignis.runtime.GenerationResult.StopReason;
import ignis.runtime.serving.CompletionRequest;
import ignis.runtime.serving.CompletionService;
import ignis.runtime.serving.LatencyHistogram;
import ignis.runtime.serving.QueueFullException;
import ignis.runtime.serving.SequenceListener;
import ignis.runtime.serving.ServingStats;
import ignis.runtime.serving.Submission;
import ignis.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A stand-in for the scheduler: each submission "generates" token {@code 300 + i} with text
 * {@code " t<i>"} on its own thread, max_tokens of them, then completes with LENGTH. Tests steer it
 * through its public fields: hold sequences after their first token until a gate opens, slow them
 * down, make some fail, refuse submissions as a full queue would, end them early with EOS.
 */
final class FakeCompletionService implements CompletionService {
    static final String MODEL = "fake-model";

    final Tokenizer tokenizer = TestTokenizer.get();
    final int contextLength;
    final String chatTemplate;
    final List<CompletionRequest> submitted = new CopyOnWriteArrayList<>();
    final AtomicInteger cancels = new AtomicInteger();
    final CountDownLatch cancelled = new CountDownLatch(1);
    final AtomicInteger completed = new AtomicInteger();
    private final AtomicLong nextId = new AtomicLong(1);

    /** When set, every sequence waits after its first token until this opens (or it is cancelled). */
    volatile CountDownLatch gate;
    /** Counted down when a sequence has emitted its first token. */
    final CountDownLatch firstToken = new CountDownLatch(1);
    volatile long tokenDelayMillis;
    /** Submissions accepted before the queue reports itself full; -1 never. */
    volatile int acceptBeforeFull = -1;
    volatile int retryAfterSeconds = 3;
    /** Sequences for which this holds fail after their first token. */
    volatile Predicate<CompletionRequest> failWhen = r -> false;
    /** When > 0, sequences (not ignoring EOS) end with EOS after this many tokens. */
    volatile int eosAfter;
    volatile ServingStats stats = emptyStats();
    /** When set, submit refuses every request as invalid with this message (as the scheduler does a bad token id). */
    volatile String refuse;

    FakeCompletionService(int contextLength, String chatTemplate) {
        this.contextLength = contextLength;
        this.chatTemplate = chatTemplate;
    }

    @Override
    public String modelName() {
        return MODEL;
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public String chatTemplate() {
        return chatTemplate;
    }

    @Override
    public Submission submit(CompletionRequest request, SequenceListener listener) {
        if (acceptBeforeFull >= 0 && submitted.size() >= acceptBeforeFull) {
            throw new QueueFullException(submitted.size(), retryAfterSeconds);
        }
        if (refuse != null) {
            throw new IgnisException(refuse);
        }
        if (request.prompt().length + request.params().maxTokens() > contextLength) {
            throw new IgnisException("the fake's context is " + contextLength);
        }
        submitted.add(request);
        FakeSubmission s = new FakeSubmission(nextId.getAndIncrement());
        Thread.ofVirtual().name("fake-sequence-" + s.id).start(() -> run(request, listener, s));
        return s;
    }

    private void run(CompletionRequest request, SequenceListener listener, FakeSubmission s) {
        List<Integer> tokens = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        StopReason reason = StopReason.LENGTH;
        for (int i = 0; i < request.params().maxTokens(); i++) {
            if (i == 1 && !waitAtGate(s)) {
                break;
            }
            if (s.cancelled) {
                break;
            }
            if (i > 0 && failWhen.test(request)) {
                listener.onError(new IgnisException("the fake failed this sequence on purpose"));
                return;
            }
            pause();
            String piece = " t" + i;
            tokens.add(300 + i);
            text.append(piece);
            listener.onToken(300 + i, piece);
            firstToken.countDown();
            if (eosAfter > 0 && !request.params().ignoreEos() && tokens.size() == eosAfter) {
                reason = StopReason.EOS;
                break;
            }
        }
        if (s.cancelled) {
            reason = StopReason.CANCELLED;
        }
        completed.incrementAndGet();
        listener.onComplete(new GenerationResult(request.prompt().length, tokens.stream().mapToInt(Integer::intValue).toArray(),
                text.toString(), reason, 0, 0));
    }

    /** Waits for the gate; false if cancelled meanwhile (or after 20 s, so a broken test cannot hang). */
    private boolean waitAtGate(FakeSubmission s) {
        CountDownLatch g = gate;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            while (g != null && !g.await(5, TimeUnit.MILLISECONDS)) {
                if (s.cancelled || System.nanoTime() > deadline) {
                    return false;
                }
            }
        } catch (InterruptedException e) {
            return false;
        }
        return true;
    }

    private void pause() {
        if (tokenDelayMillis > 0) {
            try {
                Thread.sleep(tokenDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public ServingStats stats() {
        return stats;
    }

    @Override
    public void close() {
    }

    static ServingStats emptyStats() {
        LatencyHistogram.Snapshot none = new LatencyHistogram().snapshot();
        return new ServingStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, none, none);
    }

    final class FakeSubmission implements Submission {
        final long id;
        volatile boolean cancelled;

        FakeSubmission(long id) {
            this.id = id;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public synchronized void cancel() {
            if (!cancelled) {
                cancelled = true;
                cancels.incrementAndGet();
                FakeCompletionService.this.cancelled.countDown();
            }
        }
    }
}
