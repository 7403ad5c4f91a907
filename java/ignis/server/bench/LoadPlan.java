package ignis.server.bench;

/**
 * One load run: {@code requests} requests drawn from {@code mix}, at most {@code concurrency} in
 * flight; a {@code cancelFraction} of them, spread evenly, are closed after
 * {@code cancelAfterTokens} tokens.
 */
public record LoadPlan(int concurrency, int requests, RequestMix mix, double cancelFraction, int cancelAfterTokens) {
    public LoadPlan {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
        }
        if (requests < 0) {
            throw new IllegalArgumentException("requests must be >= 0, got " + requests);
        }
        if (!(cancelFraction >= 0 && cancelFraction <= 1)) {
            throw new IllegalArgumentException("cancel fraction must be in [0, 1], got " + cancelFraction);
        }
        if (cancelFraction > 0 && cancelAfterTokens < 1) {
            throw new IllegalArgumentException("cancelAfterTokens must be >= 1 when cancelling, got " + cancelAfterTokens);
        }
    }

    public static LoadPlan of(int concurrency, int requests, RequestMix mix) {
        return new LoadPlan(concurrency, requests, mix, 0, 0);
    }

    /**
     * Whether request {@code i} is cancelled: the count of cancelled requests among the first n
     * is floor(n * fraction), so they spread through the run instead of bunching at its start.
     */
    public boolean cancels(int i) {
        return cancelFraction > 0 && Math.floor((i + 1) * cancelFraction + 1e-9) > Math.floor(i * cancelFraction + 1e-9);
    }
}
