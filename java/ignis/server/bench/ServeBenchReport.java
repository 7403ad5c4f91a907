package ignis.server.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The serving benchmark's result: one {@link LevelStats} per concurrency level, as a markdown
 * scaling table ({@link #markdown()}) or a JSON-ready map ({@link #json()}, for
 * {@code ignis.cli.Json.write}).
 */
public record ServeBenchReport(Map<String, Object> config, List<LevelStats> levels) {
    public ServeBenchReport {
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        levels = List.copyOf(levels);
    }

    /**
     * Output tokens/s of {@code s} over that of concurrency 1 (the first level when 1 was not run):
     * how much batching gains over serving requests one by one.
     */
    public double speedup(LevelStats s) {
        return s.outputTokensPerSecond() / base().outputTokensPerSecond();
    }

    /** {@link LevelStats#decodeTokensPerSecond} of {@code s} over that of the base level. */
    public double decodeSpeedup(LevelStats s) {
        return s.decodeTokensPerSecond() / base().decodeTokensPerSecond();
    }

    /** Concurrency 1, or the first level when 1 was not run. */
    private LevelStats base() {
        return levels.stream().filter(l -> l.concurrency() == 1).findFirst().orElse(levels.getFirst());
    }

    /** Whether every level whose metrics were read ended with the KV pool full and nothing running. */
    public boolean kvPoolReturnedToFull() {
        return levels.stream().allMatch(l -> l.metricsAfter() == null || !l.metricsAfter().reportsKv()
                || (l.metricsAfter().kvPoolFull() && l.metricsAfter().idle()));
    }

    public String markdown() {
        String baseName = levels.stream().anyMatch(l -> l.concurrency() == 1) ? "c=1" : "c=" + levels.getFirst().concurrency();
        StringBuilder sb = new StringBuilder();
        sb.append("| concurrency | requests | output tok/s | speed-up vs ").append(baseName)
                .append(" | decode tok/s | decode speed-up | TTFT p50 ms | TTFT p99 ms | TPOT p50 ms | TPOT p99 ms |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (LevelStats s : levels) {
            sb.append(row(Integer.toString(s.concurrency()), Integer.toString(s.requests()), num(s.outputTokensPerSecond(), 1),
                    num(speedup(s), 2) + "x", num(s.decodeTokensPerSecond(), 1), num(decodeSpeedup(s), 2) + "x",
                    num(s.ttftP50Ms(), 1), num(s.ttftP99Ms(), 1), num(s.tpotP50Ms(), 2), num(s.tpotP99Ms(), 2)));
        }
        sb.append("\noutput tok/s: every token received over the level's wall time. decode tok/s: concurrency / TPOT p50,"
                + " the streams' aggregate rate once they decode side by side.\n");
        sb.append('\n');
        sb.append("| concurrency | ok | failed | cancelled | rejected (429) | wall s | req/s | ITL p50 ms | ITL p99 ms "
                + "| KV blocks used/total after | running/waiting after |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (LevelStats s : levels) {
            MetricsSnapshot m = s.metricsAfter();
            sb.append(row(Integer.toString(s.concurrency()), Long.toString(s.ok()), Long.toString(s.failed()),
                    Long.toString(s.cancelled()), Long.toString(s.rejected()), num(s.wallSeconds(), 2),
                    num(s.requestsPerSecond(), 2), num(s.itlP50Ms(), 2), num(s.itlP99Ms(), 2),
                    m == null ? "-" : num(m.kvBlocksUsed(), 0) + "/" + num(m.kvBlocksTotal(), 0),
                    m == null ? "-" : num(m.requestsRunning(), 0) + "/" + num(m.requestsWaiting(), 0)));
        }
        for (LevelStats s : levels) {
            if (s.firstError() != null) {
                sb.append("\nconcurrency ").append(s.concurrency()).append(", first error: ").append(s.firstError());
            }
        }
        boolean anyKv = levels.stream().anyMatch(l -> l.metricsAfter() != null && l.metricsAfter().reportsKv());
        if (anyKv) {
            sb.append(kvPoolReturnedToFull() ? "\nKV pool returned to full after every level."
                    : "\nKV pool NOT back to full (or requests still running) after some level: blocks leaked or still held.");
        }
        return sb.append('\n').toString();
    }

    public Map<String, Object> json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("config", config);
        List<Object> rows = new ArrayList<>();
        for (LevelStats s : levels) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("concurrency", s.concurrency());
            m.put("requests", s.requests());
            m.put("ok", s.ok());
            m.put("failed", s.failed());
            m.put("cancelled", s.cancelled());
            m.put("rejected", s.rejected());
            m.put("wall_s", s.wallSeconds());
            m.put("output_tokens", s.outputTokens());
            m.put("output_tokens_per_s", s.outputTokensPerSecond());
            m.put("requests_per_s", s.requestsPerSecond());
            m.put("speedup", speedup(s));
            m.put("decode_tokens_per_s", s.decodeTokensPerSecond());
            m.put("decode_speedup", decodeSpeedup(s));
            m.put("ttft_ms", pair(s.ttftP50Ms(), s.ttftP99Ms()));
            m.put("tpot_ms", pair(s.tpotP50Ms(), s.tpotP99Ms()));
            m.put("itl_ms", pair(s.itlP50Ms(), s.itlP99Ms()));
            m.put("max_in_flight", s.maxInFlight());
            m.put("first_error", s.firstError());
            m.put("metrics_after", metricsJson(s.metricsAfter()));
            rows.add(m);
        }
        root.put("levels", rows);
        root.put("kv_pool_returned_to_full", kvPoolReturnedToFull());
        return root;
    }

    private static Map<String, Object> pair(double p50, double p99) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50", p50);
        m.put("p99", p99);
        return m;
    }

    private static Map<String, Object> metricsJson(MetricsSnapshot m) {
        if (m == null) {
            return null;
        }
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("kv_blocks_used", m.kvBlocksUsed());
        j.put("kv_blocks_free", m.kvBlocksFree());
        j.put("kv_blocks_total", m.kvBlocksTotal());
        j.put("requests_running", m.requestsRunning());
        j.put("requests_waiting", m.requestsWaiting());
        j.put("kv_pool_full", m.kvPoolFull());
        j.put("idle", m.idle());
        return j;
    }

    private static String row(String... cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }

    /** Fixed decimals, "-" where nothing was measured (NaN). */
    private static String num(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "-";
    }
}
