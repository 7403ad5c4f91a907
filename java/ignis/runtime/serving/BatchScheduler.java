package ignis.runtime.serving;

import ignis.IgnisException;
import ignis.backend.BatchExecutor;
import ignis.backend.BatchStep;
import ignis.backend.PagedKv;
import ignis.runtime.Engine;
import ignis.runtime.GenerationResult;
import ignis.runtime.GenerationResult.StopReason;
import ignis.tokenizer.Tokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching over one engine: an iteration-level scheduler on its own thread. Each step
 * takes one token of every decoding sequence, then fills the step's token budget with prompt
 * chunks (chunked prefill, so a long prompt never stalls the decodes), admitting waiting requests
 * while the batch and the KV pool have room; the executor runs all of them in one pass over the
 * weights. KV lives in a block pool ({@link KvBlockManager}); identical prompt prefixes share
 * blocks. When a decode needs a block and none is free, the most recently admitted sequence is
 * preempted: its blocks are freed and it waits to be recomputed (its own prefix blocks usually
 * still cached), so running out of blocks slows things down but never fails a request.
 *
 * <p>A sequence's numbers do not depend on its neighbours: every token gets the bits it would get
 * as a lone decode token (see {@link BatchStep}), so a greedy request returns the same text
 * batched or alone, and the same as the engine evaluating it one token at a time.
 */
public final class BatchScheduler implements CompletionService {
    private final Engine engine;
    private final BatchExecutor executor;
    private final SchedulerOptions options;
    private final Tokenizer tokenizer;
    private final int vocabularySize;
    private final int contextLength;
    private final PagedKv kv;
    private final KvBlockManager blocks;
    private final BatchStep step;
    private final float[] logits;
    private final float[] row;
    private final Sequence[] logitOwner;
    private final Sequence[] stepSequences;
    private final int[] stepTokenCount;
    private final ServingCounters counters = new ServingCounters();

    private final ConcurrentLinkedQueue<Sequence> submitted = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong nextId = new AtomicLong(1);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private volatile boolean closed;
    private boolean signalled;
    private final Thread thread;

    private BatchScheduler(Engine engine, BatchExecutor executor, SchedulerOptions options) {
        this.engine = engine;
        this.executor = executor;
        this.options = options;
        this.tokenizer = engine.tokenizer();
        this.vocabularySize = engine.model().config().vocabSize();
        int poolBlocks = options.kvBlocks() > 0 ? options.kvBlocks()
                : (int) Math.max(1, Math.min(Integer.MAX_VALUE / 2, options.kvMemoryBytes() / executor.kvBytesPerBlock(options.blockTokens())));
        this.kv = executor.newPagedKv(poolBlocks, options.blockTokens());
        this.blocks = new KvBlockManager(poolBlocks, options.blockTokens());
        // A sequence can hold no more positions than the whole pool, whatever the model's context.
        this.contextLength = (int) Math.min(engine.contextLength(), (long) poolBlocks * options.blockTokens());
        int stepTokens = Math.min(options.maxStepTokens(), executor.maxStepTokens());
        if (stepTokens < options.maxSequences()) {
            throw new IgnisException("the executor takes " + executor.maxStepTokens() + " tokens per pass, fewer than the max batch of "
                    + options.maxSequences() + " sequences");
        }
        this.step = new BatchStep(stepTokens, options.maxSequences());
        this.logits = new float[options.maxSequences() * vocabularySize];
        this.row = new float[vocabularySize];
        this.logitOwner = new Sequence[options.maxSequences()];
        this.stepSequences = new Sequence[options.maxSequences()];
        this.stepTokenCount = new int[options.maxSequences()];
        this.thread = Thread.ofPlatform().name("ignis-scheduler").daemon().unstarted(this::loop);
    }

    /** Starts a scheduler over {@code engine} (which the caller still owns and closes after this). */
    public static BatchScheduler start(Engine engine, SchedulerOptions options) {
        if (!(engine.executor() instanceof BatchExecutor batch)) {
            throw new IgnisException("the " + engine.executor().getClass().getSimpleName()
                    + " backend cannot batch sequences yet; serve with --backend cpu");
        }
        BatchScheduler s = new BatchScheduler(engine, batch, options);
        s.thread.start();
        return s;
    }

    @Override
    public String modelName() {
        String name = engine.model().file().getString("general.name", null);
        return name != null && !name.isBlank() ? name : engine.model().file().path().getFileName().toString();
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
        return engine.model().file().getString("tokenizer.chat_template", null);
    }

    /** Positions per KV block. */
    public int blockTokens() {
        return blocks.blockTokens();
    }

    @Override
    public Submission submit(CompletionRequest request, SequenceListener listener) {
        if (closed) {
            throw new IgnisException("the scheduler is shut down");
        }
        int[] prompt = request.prompt();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocabularySize) {
                counters.rejected.incrementAndGet();
                throw new IgnisException("prompt token " + i + " is " + prompt[i] + ", outside the vocabulary of " + vocabularySize);
            }
        }
        long positions = (long) prompt.length + request.params().maxTokens();
        if (positions > contextLength) {
            counters.rejected.incrementAndGet();
            throw new IgnisException("the prompt has " + prompt.length + " tokens and max_tokens is " + request.params().maxTokens()
                    + ": " + positions + " positions, more than the context length " + contextLength
                    + (contextLength < engine.contextLength() ? " (all the KV pool holds; raise the KV budget)" : ""));
        }
        int capacity = options.maxWaiting() + Math.max(0, options.maxSequences() - counters.running);
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            counters.rejected.incrementAndGet();
            throw new QueueFullException(counters.waiting, 1);
        }
        Sequence seq = new Sequence(nextId.getAndIncrement(), request, listener, tokenizer, vocabularySize,
                blocks.blocksFor(contextLength) + 1, this::wakeUp);
        submitted.add(seq);
        wakeUp();
        return seq;
    }

    @Override
    public ServingStats stats() {
        return counters.snapshot(blocks.blocks(), blocks.blocks() - counters.freeBlocks, counters.cachedBlocks);
    }

    private void wakeUp() {
        lock.lock();
        try {
            signalled = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (!closed) {
            try {
                intake();
                reapCancelled();
                if (running.isEmpty() && waiting.isEmpty()) {
                    publishGauges();
                    awaitWork();
                    continue;
                }
                plan();
                if (step.tokens() > 0) {
                    runStep();
                }
                publishGauges();
            } catch (RuntimeException | Error e) {
                // Never let the scheduler thread die: whatever was in this step fails, the rest goes on.
                failStep(e instanceof RuntimeException r ? r : new IgnisException("scheduler error: " + e, e));
            }
        }
        IgnisException shutdown = new IgnisException("the server is shutting down");
        for (Sequence s : new ArrayList<>(running)) {
            fail(s, shutdown);
        }
        intake();
        for (Sequence s : new ArrayList<>(waiting)) {
            waiting.remove(s);
            queued.decrementAndGet();
            notifyError(s, shutdown);
        }
    }

    private void awaitWork() {
        lock.lock();
        try {
            while (!signalled && !closed) {
                work.awaitUninterruptibly();
            }
            signalled = false;
        } finally {
            lock.unlock();
        }
    }

    /** New submissions join the waiting queue; those with nothing to generate end at once. */
    private void intake() {
        Sequence s;
        while ((s = submitted.poll()) != null) {
            if (s.params.maxTokens() == 0) {
                queued.decrementAndGet();
                complete(s, StopReason.LENGTH);
            } else {
                waiting.add(s);
            }
        }
    }

    private void reapCancelled() {
        for (int i = running.size() - 1; i >= 0; i--) {
            Sequence s = running.get(i);
            if (s.cancelled()) {
                running.remove(i);
                freeBlocks(s);
                complete(s, StopReason.CANCELLED);
            }
        }
        waiting.removeIf(s -> {
            if (s.cancelled()) {
                queued.decrementAndGet();
                freeBlocks(s);
                complete(s, StopReason.CANCELLED);
                return true;
            }
            return false;
        });
    }

    /** Fills {@link #step}: decodes first, then prompt chunks of running and newly admitted sequences. */
    private void plan() {
        step.clear();
        int count = 0;
        int budget = step.capacity;
        for (int i = 0; i < running.size() && budget > 0; i++) {
            Sequence s = running.get(i);
            if (s.pending() == 1) {
                if (!reserve(s, 1, true)) {
                    i--; // s itself was preempted and left the running list
                    continue;
                }
                count = schedule(s, 1, count);
                budget--;
            }
        }
        for (int i = 0; i < running.size() && budget > 0; i++) {
            Sequence s = running.get(i);
            if (s.pending() > 1) {
                int n = reserveUpTo(s, Math.min(s.pending(), budget));
                if (n > 0) {
                    count = schedule(s, n, count);
                    budget -= n;
                }
            }
        }
        while (budget > 0 && !waiting.isEmpty() && running.size() < options.maxSequences()) {
            Sequence s = waiting.peek();
            reuseCachedPrefix(s);
            int n = reserveUpTo(s, Math.min(s.pending(), budget));
            if (n == 0) {
                freeBlocks(s); // gives back the cached prefix it just took
                break;
            }
            waiting.poll();
            queued.decrementAndGet();
            running.add(s);
            count = schedule(s, n, count);
            budget -= n;
        }
        if (count == 0 && !running.isEmpty()) {
            // Prompts hold every block and none can go on: make room by recomputing the newest later.
            if (running.size() == 1) {
                fail(running.getFirst(), new IgnisException("the KV pool of " + blocks.blocks() + " blocks cannot hold this sequence"));
            } else {
                preemptSequence(running.getLast());
            }
        }
    }

    /** Adds {@code n} pending tokens of {@code s} to the step; the last token wants logits if it is the last known one. */
    private int schedule(Sequence s, int n, int count) {
        int seq = step.addSequence(s.table);
        for (int j = 0; j < n; j++) {
            int index = s.computed + j;
            boolean last = index == s.length - 1;
            step.addToken(seq, s.tokens[index], index, last);
        }
        stepSequences[count] = s;
        stepTokenCount[count] = n;
        return count + 1;
    }

    /**
     * Makes blocks for {@code s}'s next {@code n} positions writable, preempting later sequences
     * when {@code preempt} and no block is free; false when {@code s} itself had to be preempted.
     */
    private boolean reserve(Sequence s, int n, boolean preempt) {
        while (reserveUpTo(s, n) < n) {
            if (!preempt) {
                return false;
            }
            Sequence victim = running.getLast();
            if (victim == s && running.size() == 1) {
                fail(s, new IgnisException("the KV pool of " + blocks.blocks() + " blocks cannot hold this sequence"));
                return false;
            }
            preemptSequence(victim);
            if (victim == s) {
                return false;
            }
        }
        return true;
    }

    /** Allocates (or copies on write) blocks for as many of {@code s}'s next {@code n} positions as fit; returns that count. */
    private int reserveUpTo(Sequence s, int n) {
        int bt = blocks.blockTokens();
        int from = s.computed;
        if (from % bt != 0 && from / bt < s.tableSize) {
            int b = blocks.writable(s.table[from / bt], kv::copyBlock);
            if (b < 0) {
                return 0;
            }
            s.table[from / bt] = b;
        }
        int fits = n;
        while (blocks.blocksFor(from + fits) > s.tableSize) {
            int b = blocks.allocate();
            if (b < 0) {
                fits = s.tableSize * bt - from;
                break;
            }
            s.table[s.tableSize++] = b;
        }
        return Math.max(0, Math.min(n, fits));
    }

    /** Takes the cached blocks of {@code s}'s leading full blocks (at least one token is left to compute, for the logits). */
    private void reuseCachedPrefix(Sequence s) {
        if (!options.prefixCaching() || s.computed > 0) {
            return;
        }
        int bt = blocks.blockTokens();
        int promptBlocks = (s.promptLength - 1) / bt;
        KvBlockManager.PrefixKey key = null;
        int i = 0;
        for (; i < promptBlocks; i++) {
            KvBlockManager.PrefixKey next = new KvBlockManager.PrefixKey(key, s.tokens, i * bt, (i + 1) * bt);
            int b = blocks.takeCached(next);
            if (b < 0) {
                break;
            }
            s.table[s.tableSize++] = b;
            key = next;
        }
        s.computed = i * bt;
        s.keyedBlocks = i;
        s.lastKey = key;
        counters.prefixHitTokens.addAndGet(s.computed);
    }

    private void preemptSequence(Sequence s) {
        running.remove(s);
        freeBlocks(s);
        waiting.addFirst(s);
        queued.incrementAndGet();
        counters.preemptions.incrementAndGet();
    }

    /** Frees every block of {@code s}, the last first so its leading (most shareable) blocks stay cached longest. */
    private void freeBlocks(Sequence s) {
        for (int i = s.tableSize - 1; i >= 0; i--) {
            blocks.release(s.table[i]);
        }
        s.tableSize = 0;
        s.computed = 0;
        s.keyedBlocks = 0;
        s.lastKey = null;
    }

    private void runStep() {
        executor.forwardBatch(kv, step, logits);
        int sequences = step.sequences();
        int logitRow = 0;
        for (int i = 0; i < sequences; i++) {
            Sequence s = stepSequences[i];
            int before = s.computed;
            s.computed += stepTokenCount[i];
            counters.promptTokens.addAndGet(Math.max(0, Math.min(s.computed, s.promptLength) - before));
            rememberPrefix(s);
            if (s.computed == s.length) {
                System.arraycopy(logits, logitRow * vocabularySize, row, 0, vocabularySize);
                logitRow++;
                accept(s, s.sampler.sample(row));
            }
            stepSequences[i] = null;
        }
    }

    /** Offers {@code s}'s newly filled prompt blocks to the prefix cache. */
    private void rememberPrefix(Sequence s) {
        if (!options.prefixCaching()) {
            return;
        }
        int bt = blocks.blockTokens();
        int full = Math.min(s.computed, s.promptLength) / bt;
        while (s.keyedBlocks < full) {
            int i = s.keyedBlocks;
            s.lastKey = new KvBlockManager.PrefixKey(s.lastKey, s.tokens, i * bt, (i + 1) * bt);
            blocks.remember(s.table[i], s.lastKey);
            s.keyedBlocks++;
        }
    }

    /** A sampled token: recorded, streamed, and checked against the stop conditions in the engine's order. */
    private void accept(Sequence s, int token) {
        long now = System.nanoTime();
        s.sampler.accept(token);
        counters.generated.incrementAndGet();
        counters.recordThroughput(now);
        if (s.firstTokenNanos == 0) {
            s.firstTokenNanos = now;
            counters.timeToFirstToken.observe((now - s.submitNanos) / 1e9);
        } else {
            counters.timePerOutputToken.observe((now - s.lastTokenNanos) / 1e9);
        }
        s.lastTokenNanos = now;
        StopReason reason = null;
        if (!s.params.ignoreEos() && tokenizer.isEndOfGeneration(token)) {
            reason = StopReason.EOS;
        } else {
            try {
                if (s.output.add(token)) {
                    reason = StopReason.STOP_STRING;
                }
            } catch (RuntimeException listenerFailed) {
                reason = StopReason.CANCELLED; // the listener's client went away
            }
            if (reason == null && s.output.count() == s.params.maxTokens()) {
                reason = StopReason.LENGTH;
            } else if (reason == null && s.length == contextLength) {
                reason = StopReason.CONTEXT;
            }
        }
        if (reason == null) {
            s.append(token);
        } else {
            running.remove(s);
            freeBlocks(s);
            complete(s, reason);
        }
    }

    private void complete(Sequence s, StopReason reason) {
        publishGauges(); // so a caller woken by the listener sees the blocks already back
        String text;
        try {
            text = s.output.finish();
        } catch (RuntimeException listenerFailed) {
            text = "";
            reason = StopReason.CANCELLED;
        }
        if (reason == StopReason.CANCELLED) {
            counters.cancelled.incrementAndGet();
        } else {
            counters.finished.incrementAndGet();
        }
        long first = s.firstTokenNanos == 0 ? System.nanoTime() : s.firstTokenNanos;
        long last = s.lastTokenNanos == 0 ? first : s.lastTokenNanos;
        GenerationResult result = new GenerationResult(s.promptLength, s.output.tokens(), text, reason,
                first - s.submitNanos, last - first);
        try {
            s.listener.onComplete(result);
        } catch (RuntimeException ignored) {
            // a listener's failure must not reach other sequences
        }
    }

    private void fail(Sequence s, RuntimeException error) {
        running.remove(s);
        freeBlocks(s);
        counters.failed.incrementAndGet();
        publishGauges();
        notifyError(s, error);
    }

    private void notifyError(Sequence s, RuntimeException error) {
        try {
            s.listener.onError(error);
        } catch (RuntimeException ignored) {
            // as in complete
        }
    }

    /** The step's sequences fail with {@code error}; everything else carries on. */
    private void failStep(RuntimeException error) {
        for (int i = 0; i < stepSequences.length; i++) {
            Sequence s = stepSequences[i];
            if (s != null) {
                stepSequences[i] = null;
                if (running.contains(s)) {
                    fail(s, error);
                }
            }
        }
        step.clear();
    }

    private void publishGauges() {
        counters.waiting = waiting.size() + submitted.size();
        counters.running = running.size();
        counters.freeBlocks = blocks.freeBlocks();
        counters.cachedBlocks = blocks.cachedFreeBlocks();
    }

    @Override
    public void close() {
        closed = true;
        wakeUp();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kv.close();
    }
}
