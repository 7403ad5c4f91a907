package ignis.runtime;

/**
 * The outcome of one generation: prompt size, the generated token ids and text, why it stopped,
 * and timings of the prefill (whole prompt) and decode (every later token) phases.
 */
public record GenerationResult(
        int promptTokens,
        int[] tokens,
        String text,
        StopReason stopReason,
        long prefillNanos,
        long decodeNanos) {

    public enum StopReason {
        /** max_tokens reached */
        LENGTH,
        /** an end-of-generation token was sampled */
        EOS,
        /** a stop string appeared */
        STOP_STRING,
        /** the context is full */
        CONTEXT,
        /** the caller cancelled the sequence (a client went away) */
        CANCELLED
    }

    public double prefillMillis() {
        return prefillNanos / 1e6;
    }

    public double decodeMillis() {
        return decodeNanos / 1e6;
    }

    /** Prompt tokens per second of the prefill. */
    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
    }

    /** Generated tokens per second after the first (which the prefill produced). */
    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : (tokens.length - 1) * 1e9 / decodeNanos;
    }
}
