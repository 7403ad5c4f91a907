package ignis.runtime.serving;

import ignis.tokenizer.Tokenizer;

/**
 * Generates many sequences at once (continuous batching): what the server talks to. Thread-safe.
 */
public interface CompletionService extends AutoCloseable {

    /** The model's name as /v1/models lists it. */
    String modelName();

    /** Positions per sequence: prompt + max_tokens must fit. */
    int contextLength();

    Tokenizer tokenizer();

    /** The GGUF's {@code tokenizer.chat_template}, or null when the model has none. */
    String chatTemplate();

    /**
     * Queues {@code request}. Throws {@link QueueFullException} when the waiting queue is full, and
     * an {@link ignis.IgnisException} naming the problem when the prompt plus max_tokens exceeds
     * the context or a token id is outside the vocabulary. Events go to {@code listener}.
     */
    Submission submit(CompletionRequest request, SequenceListener listener);

    /** A consistent snapshot of the counters /metrics reports. */
    ServingStats stats();

    /** Stops the scheduler; sequences still running end with onError. */
    @Override
    void close();
}
