package ignis.runtime.serving;

import ignis.runtime.GenerationParams;
import ignis.runtime.TextOutput;
import ignis.runtime.sampling.Sampler;
import ignis.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * One request's state in the scheduler: its tokens (prompt, then generated), how many of them
 * have keys and values in the pool ({@code computed}), its block table, sampler and text.
 * Touched by the scheduler's thread only, except {@link #cancel}.
 */
final class Sequence implements Submission {
    final long id;
    final GenerationParams params;
    final SequenceListener listener;
    final Sampler sampler;
    final TextOutput output;
    final int promptLength;
    final long submitNanos;
    /** Prompt then generated tokens; the last generated one has no KV yet while decoding. */
    int[] tokens;
    int length;
    int computed;
    /** Block {@code i} holds positions {@code [i * blockTokens, (i+1) * blockTokens)}. */
    final int[] table;
    int tableSize;
    /** Leading blocks already offered to the prefix cache, and the key of the last of them. */
    int keyedBlocks;
    KvBlockManager.PrefixKey lastKey;
    /** Whether it was ever admitted (prefix lookup happens on each admission). */
    long firstTokenNanos;
    long lastTokenNanos;
    private volatile boolean cancelled;
    private final Runnable wakeUp;

    Sequence(long id, CompletionRequest request, SequenceListener listener, Tokenizer tokenizer, int vocabularySize,
             int maxBlocks, Runnable wakeUp) {
        this.id = id;
        this.params = request.params();
        this.listener = listener;
        this.sampler = new Sampler(params.sampling(), vocabularySize);
        this.promptLength = request.prompt().length;
        this.tokens = Arrays.copyOf(request.prompt(), promptLength + Math.min(params.maxTokens(), 64));
        this.length = promptLength;
        for (int i = 0; i < promptLength; i++) {
            sampler.accept(tokens[i]);
        }
        this.output = new TextOutput(tokenizer, params.stop(), listener::onToken);
        this.table = new int[maxBlocks];
        this.submitNanos = System.nanoTime();
        this.wakeUp = wakeUp;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public void cancel() {
        cancelled = true;
        wakeUp.run();
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Tokens waiting for their keys and values (the prompt's rest, or the last sampled token). */
    int pending() {
        return length - computed;
    }

    /** Whether token {@code index} belongs to the prompt (only prompt blocks are offered to the prefix cache). */
    boolean isPrompt(int index) {
        return index < promptLength;
    }

    void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, length * 2);
        }
        tokens[length++] = token;
    }
}
