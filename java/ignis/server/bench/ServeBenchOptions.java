package ignis.server.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link ServeBenchmark} runs. Start from {@link #defaults()} and change fields with the
 * {@code with...} methods.
 *
 * @param levels            concurrency levels, in order (default 1, 2, 4, 8, 16)
 * @param requestsPerLevel  requests at every level; 0 = max(4, 2 * level), so each worker runs at
 *                          least two requests and the level is not just its ramp-up
 * @param mix               the prompts and max_tokens drawn from
 * @param cancelFraction    share of requests closed mid-stream (0 = none)
 * @param cancelAfterTokens tokens a cancelled request reads before closing
 * @param warmupRequests    requests run one at a time before the first level, then one round at
 *                          the highest level (none when 0), not reported: the server's first
 *                          requests at each batch size pay for JIT compilation
 * @param requestTimeout    whole-request limit
 * @param metricsSettle     how long to wait after a level for the server to report idle with its
 *                          KV pool full before recording the metrics anyway
 */
public record ServeBenchOptions(int[] levels, int requestsPerLevel, RequestMix mix, double cancelFraction,
                                int cancelAfterTokens, int warmupRequests, Duration requestTimeout,
                                Duration metricsSettle) {
    public static final int[] DEFAULT_LEVELS = {1, 2, 4, 8, 16};

    public ServeBenchOptions {
        levels = levels.clone();
        if (levels.length == 0) {
            throw new IllegalArgumentException("no concurrency levels");
        }
        for (int c : levels) {
            if (c < 1) {
                throw new IllegalArgumentException("concurrency levels must be >= 1, got " + c);
            }
        }
        if (requestsPerLevel < 0 || warmupRequests < 0) {
            throw new IllegalArgumentException("request counts must be >= 0");
        }
        // Fails here, before any load, on a bad fraction.
        new LoadPlan(1, 0, mix, cancelFraction, cancelAfterTokens);
    }

    public static ServeBenchOptions defaults() {
        return new ServeBenchOptions(DEFAULT_LEVELS, 0, RequestMix.of(new CompletionRequest(approximatePrompt(64), 64)),
                0, 4, 2, Duration.ofMinutes(5), Duration.ofSeconds(5));
    }

    @Override
    public int[] levels() {
        return levels.clone();
    }

    /** Requests run at concurrency {@code level}. */
    public int requestsFor(int level) {
        return requestsPerLevel > 0 ? requestsPerLevel : Math.max(4, 2 * level);
    }

    /**
     * A prompt of about {@code tokens} tokens: common English words, each about one token under
     * BPE vocabularies. Fixed text, so every run sends the same prompt.
     */
    public static String approximatePrompt(int tokens) {
        String[] words = ("the quick brown fox jumps over the lazy dog while a small bird sings in the old tree "
                + "and the river runs down to the sea under a clear blue sky").split(" ");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.max(1, tokens); i++) {
            sb.append(i == 0 ? "" : " ").append(words[i % words.length]);
        }
        return sb.toString();
    }

    public ServeBenchOptions withLevels(int... newLevels) {
        return new ServeBenchOptions(newLevels, requestsPerLevel, mix, cancelFraction, cancelAfterTokens, warmupRequests,
                requestTimeout, metricsSettle);
    }

    public ServeBenchOptions withRequestsPerLevel(int n) {
        return new ServeBenchOptions(levels, n, mix, cancelFraction, cancelAfterTokens, warmupRequests, requestTimeout,
                metricsSettle);
    }

    public ServeBenchOptions withMix(RequestMix newMix) {
        return new ServeBenchOptions(levels, requestsPerLevel, newMix, cancelFraction, cancelAfterTokens, warmupRequests,
                requestTimeout, metricsSettle);
    }

    /** Round-robin over {@code prompts}, each generating {@code maxTokens}. */
    public ServeBenchOptions withPrompts(List<String> prompts, int maxTokens) {
        return withMix(RequestMix.roundRobin(prompts.stream().map(p -> new CompletionRequest(p, maxTokens)).toList()));
    }

    /** One prompt of about {@code promptTokens} tokens, each request generating {@code maxTokens}. */
    public ServeBenchOptions withPromptTokens(int promptTokens, int maxTokens) {
        return withPrompts(List.of(approximatePrompt(promptTokens)), maxTokens);
    }

    public ServeBenchOptions withCancel(double fraction, int afterTokens) {
        return new ServeBenchOptions(levels, requestsPerLevel, mix, fraction, afterTokens, warmupRequests, requestTimeout,
                metricsSettle);
    }

    public ServeBenchOptions withWarmup(int n) {
        return new ServeBenchOptions(levels, requestsPerLevel, mix, cancelFraction, cancelAfterTokens, n, requestTimeout,
                metricsSettle);
    }

    public ServeBenchOptions withRequestTimeout(Duration d) {
        return new ServeBenchOptions(levels, requestsPerLevel, mix, cancelFraction, cancelAfterTokens, warmupRequests, d,
                metricsSettle);
    }

    public ServeBenchOptions withMetricsSettle(Duration d) {
        return new ServeBenchOptions(levels, requestsPerLevel, mix, cancelFraction, cancelAfterTokens, warmupRequests,
                requestTimeout, d);
    }

    /** The options as the report's JSON "config" object. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("levels", Arrays.stream(levels).boxed().toList());
        m.put("requests_per_level", Arrays.stream(levels).map(this::requestsFor).boxed().toList());
        m.put("mix", mix.entries().stream().map(e -> Map.<String, Object>of(
                "prompt_chars", e.prompt().length(), "max_tokens", e.maxTokens())).toList());
        m.put("mix_order", mix.shuffled() ? "seeded_random" : "round_robin");
        m.put("cancel_fraction", cancelFraction);
        m.put("cancel_after_tokens", cancelAfterTokens);
        m.put("warmup_requests", warmupRequests);
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServeBenchOptions other && Arrays.equals(levels, other.levels)
                && requestsPerLevel == other.requestsPerLevel && mix.equals(other.mix)
                && Double.compare(cancelFraction, other.cancelFraction) == 0 && cancelAfterTokens == other.cancelAfterTokens
                && warmupRequests == other.warmupRequests && requestTimeout.equals(other.requestTimeout)
                && metricsSettle.equals(other.metricsSettle);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(levels) * 31 + mix.hashCode();
    }

    @Override
    public String toString() {
        return "ServeBenchOptions" + toJson();
    }
}
