package ignis.server;

import ignis.runtime.serving.LatencyHistogram;
import ignis.runtime.serving.ServingStats;
import java.util.Locale;

/**
 * {@link ServingStats} in Prometheus' text exposition format 0.0.4: HELP and TYPE lines, then the
 * samples. Counters carry the {@code _total} suffix in their family name, as 0.0.4 expects;
 * histograms give cumulative {@code _bucket{le}} lines ending with {@code +Inf} (the count),
 * then {@code _sum} and {@code _count}.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder sb = new StringBuilder();

    private PrometheusText() {
    }

    static String render(ServingStats s) {
        PrometheusText t = new PrometheusText();
        t.gauge("ignis_requests_waiting", "Requests queued, not yet started.", s.waiting());
        t.gauge("ignis_requests_running", "Sequences being prefilled or decoded.", s.running());
        t.gauge("ignis_kv_blocks_total", "Blocks in the KV cache pool.", s.kvBlocksTotal());
        t.gauge("ignis_kv_blocks_used", "KV blocks held by sequences.", s.kvBlocksUsed());
        t.gauge("ignis_kv_blocks_free", "KV blocks not held by any sequence (cached prefixes included).",
                s.kvBlocksTotal() - s.kvBlocksUsed());
        t.gauge("ignis_kv_blocks_cached", "Free KV blocks still holding a reusable prompt prefix.", s.kvBlocksCached());
        t.gauge("ignis_tokens_per_second", "Generated tokens per second over the last seconds.", s.tokensPerSecond());
        t.counter("ignis_prompt_tokens_total", "Prompt tokens computed (prefix cache hits excluded).", s.promptTokens());
        t.counter("ignis_prefix_cache_hit_tokens_total", "Prompt tokens served from the prefix cache.", s.prefixCacheHitTokens());
        t.counter("ignis_generated_tokens_total", "Tokens generated.", s.generatedTokens());
        t.counter("ignis_requests_finished_total", "Sequences that completed (cancelled ones excluded).", s.requestsFinished());
        t.counter("ignis_requests_cancelled_total", "Sequences cancelled, mostly by clients that went away.", s.requestsCancelled());
        t.counter("ignis_requests_failed_total", "Sequences that ended with an error.", s.requestsFailed());
        t.counter("ignis_requests_rejected_total", "Submissions refused (queue full or invalid).", s.requestsRejected());
        t.counter("ignis_preemptions_total", "Sequences evicted to free KV blocks, recomputed later.", s.preemptions());
        t.histogram("ignis_time_to_first_token_seconds", "Seconds from submission to the first generated token.",
                s.timeToFirstToken());
        t.histogram("ignis_time_per_output_token_seconds", "Seconds between consecutive generated tokens of a sequence.",
                s.timePerOutputToken());
        return t.sb.toString();
    }

    private void gauge(String name, String help, double value) {
        family(name, help, "gauge");
        sample(name, "", value);
    }

    private void counter(String name, String help, long value) {
        family(name, help, "counter");
        sample(name, "", value);
    }

    private void histogram(String name, String help, LatencyHistogram.Snapshot h) {
        family(name, help, "histogram");
        if (h == null) {
            h = new LatencyHistogram().snapshot();
        }
        for (int i = 0; i < LatencyHistogram.BOUNDS.length; i++) {
            sample(name + "_bucket", "{le=\"" + number(LatencyHistogram.BOUNDS[i]) + "\"}", h.cumulative()[i]);
        }
        sample(name + "_bucket", "{le=\"+Inf\"}", h.count());
        sample(name + "_sum", "", h.sum());
        sample(name + "_count", "", h.count());
    }

    private void family(String name, String help, String type) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(String name, String labels, double value) {
        sb.append(name).append(labels).append(' ').append(number(value)).append('\n');
    }

    /** Prometheus' float syntax: integers without a fraction, NaN and +Inf/-Inf spelled its way. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v).toLowerCase(Locale.ROOT);
    }
}
