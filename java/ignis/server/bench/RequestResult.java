package ignis.server.bench;

/**
 * What one streaming request measured. Times are System.nanoTime() based; {@code tokenNanos} are
 * the arrival times of the token events relative to {@code startNanos} (just before the request
 * was sent), so TTFT, TPOT and inter-token gaps all come from the same clock.
 *
 * @param index        position of the request in its run
 * @param maxTokens    the max_tokens it asked for
 * @param outcome      how it ended
 * @param httpStatus   the response status, 0 when no response arrived
 * @param error        why it failed (the server's error.message where it sent one), else null
 * @param retryAfter   the Retry-After header of a 429, else null
 * @param finishReason the last finish_reason seen, else null
 * @param startNanos   System.nanoTime() just before sending
 * @param tokenNanos   arrival of each token event (a chunk with non-empty text), from the start
 * @param emptyChunks  chunks that carried no text (a held-back partial character, the final chunk)
 * @param usageTokens  usage.completion_tokens when the server sent it, else -1
 * @param totalNanos   from the start to the end of the stream (or the failure)
 */
public record RequestResult(int index, int maxTokens, Outcome outcome, int httpStatus, String error, String retryAfter,
                            String finishReason, long startNanos, long[] tokenNanos, int emptyChunks, int usageTokens,
                            long totalNanos) {

    /** Chunks that carried text. */
    public int tokenEvents() {
        return tokenNanos.length;
    }

    /**
     * Tokens generated: the server's own count where it gave one (a token may decode to no text,
     * or several may share a chunk), else the token events seen.
     */
    public int outputTokens() {
        return usageTokens >= 0 ? usageTokens : tokenEvents();
    }

    /** Time to first token in nanoseconds, -1 when no token arrived. */
    public long ttftNanos() {
        return tokenNanos.length == 0 ? -1 : tokenNanos[0];
    }

    /**
     * Time per output token after the first: (last token time - first token time) / (tokens - 1);
     * NaN with fewer than two tokens. Excludes the first token, whose wait is prefill and queueing.
     */
    public double tpotNanos() {
        int n = tokenNanos.length;
        int tokens = Math.max(n, outputTokens());
        if (n < 2 || tokens < 2) {
            return Double.NaN;
        }
        return (double) (tokenNanos[n - 1] - tokenNanos[0]) / (tokens - 1);
    }
}
