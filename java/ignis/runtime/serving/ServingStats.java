package ignis.runtime.serving;

/**
 * What the scheduler reports for /metrics.
 *
 * @param waiting              requests queued, not yet started
 * @param running              sequences being prefilled or decoded
 * @param kvBlocksTotal        blocks in the KV pool
 * @param kvBlocksUsed         blocks held by sequences (cached-but-free prefix blocks count as free)
 * @param kvBlocksCached       free blocks still holding a reusable prompt prefix
 * @param promptTokens         prompt tokens computed so far (prefix-cache hits excluded)
 * @param prefixCacheHitTokens prompt tokens served from the prefix cache
 * @param generatedTokens      tokens generated so far
 * @param requestsFinished     sequences that completed (any stop reason but cancel)
 * @param requestsCancelled    sequences cancelled
 * @param requestsFailed       sequences that ended with an error
 * @param requestsRejected     submissions refused (queue full or invalid)
 * @param preemptions          sequences evicted to free blocks (recomputed later)
 * @param tokensPerSecond      generated tokens per second over the last few seconds
 * @param timeToFirstToken     seconds from submit to the first token
 * @param timePerOutputToken   seconds between consecutive tokens of a sequence
 */
public record ServingStats(int waiting, int running, int kvBlocksTotal, int kvBlocksUsed, int kvBlocksCached,
                           long promptTokens, long prefixCacheHitTokens, long generatedTokens, long requestsFinished,
                           long requestsCancelled, long requestsFailed, long requestsRejected, long preemptions,
                           double tokensPerSecond, LatencyHistogram.Snapshot timeToFirstToken,
                           LatencyHistogram.Snapshot timePerOutputToken) {
}
