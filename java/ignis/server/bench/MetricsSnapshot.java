package ignis.server.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server's Prometheus metrics at one moment: each series (name with its labels) and its value.
 * The benchmark reads the KV-pool and scheduler gauges after each level, to show whether the pool
 * returned to full once the load stopped (a leak of blocks shows as used > 0 at idle).
 */
public record MetricsSnapshot(Map<String, Double> series) {
    public static final String KV_USED = "ignis_kv_blocks_used";
    public static final String KV_TOTAL = "ignis_kv_blocks_total";
    public static final String KV_FREE = "ignis_kv_blocks_free";
    public static final String RUNNING = "ignis_requests_running";
    public static final String WAITING = "ignis_requests_waiting";

    public MetricsSnapshot {
        series = Collections.unmodifiableMap(new LinkedHashMap<>(series));
    }

    /**
     * Parses the Prometheus text format: "name{labels} value [timestamp]" lines; "#" lines (HELP,
     * TYPE) and lines that do not parse are skipped, since one odd line must not lose the rest.
     */
    public static MetricsSnapshot parse(String text) {
        Map<String, Double> series = new LinkedHashMap<>();
        for (String raw : text.split("\r?\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int close = line.indexOf('}');
            int nameEnd = line.indexOf('{') >= 0 && close > 0 ? close + 1 : firstSpace(line);
            if (nameEnd <= 0 || nameEnd >= line.length()) {
                continue;
            }
            String[] rest = line.substring(nameEnd).strip().split("\\s+");
            try {
                series.put(line.substring(0, nameEnd).strip(), parseValue(rest[0]));
            } catch (NumberFormatException skip) {
                // not a sample line
            }
        }
        return new MetricsSnapshot(series);
    }

    /** The metric {@code name} summed over its label sets (e.g. one pool per device); NaN if absent. */
    public double value(String name) {
        double sum = 0;
        boolean found = false;
        for (Map.Entry<String, Double> e : series.entrySet()) {
            String key = e.getKey();
            if (key.equals(name) || key.startsWith(name + "{")) {
                sum += e.getValue();
                found = true;
            }
        }
        return found ? sum : Double.NaN;
    }

    public double kvBlocksUsed() {
        return value(KV_USED);
    }

    public double kvBlocksTotal() {
        return value(KV_TOTAL);
    }

    public double kvBlocksFree() {
        return value(KV_FREE);
    }

    public double requestsRunning() {
        return value(RUNNING);
    }

    public double requestsWaiting() {
        return value(WAITING);
    }

    /** Whether the server reports any of the KV-pool gauges. */
    public boolean reportsKv() {
        return !Double.isNaN(kvBlocksUsed()) || !Double.isNaN(kvBlocksFree()) || !Double.isNaN(kvBlocksTotal());
    }

    /** Nothing running or waiting (gauges the server does not report are taken as zero). */
    public boolean idle() {
        return zeroOrAbsent(requestsRunning()) && zeroOrAbsent(requestsWaiting());
    }

    /**
     * The KV pool is back to full: no block used, and free == total where both are reported.
     * False when the server reports no KV gauges at all: nothing shows the pool was checked.
     */
    public boolean kvPoolFull() {
        double used = kvBlocksUsed();
        double free = kvBlocksFree();
        double total = kvBlocksTotal();
        if (Double.isNaN(used) && (Double.isNaN(free) || Double.isNaN(total))) {
            return false;
        }
        return zeroOrAbsent(used) && (Double.isNaN(free) || Double.isNaN(total) || free == total);
    }

    private static boolean zeroOrAbsent(double v) {
        return Double.isNaN(v) || v == 0;
    }

    private static int firstSpace(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (Character.isWhitespace(line.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** A sample value of Prometheus' text format: a float, +Inf, -Inf or NaN. */
    public static double parseValue(String s) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }
}
