package ignis.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ignis.server.bench.MetricsSnapshot;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus' text format 0.0.4 for the tests: every line must be a HELP, TYPE
 * or sample line; a family's TYPE comes once, before its samples; histograms have cumulative
 * buckets ending at +Inf equal to their count. Returns each series ("name{labels}") and its value.
 */
final class PrometheusCheck {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})? (\\S+)");
    private static final Pattern LABELS = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\"(,[a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\")*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    private PrometheusCheck() {
    }

    static Map<String, Double> parse(String text) {
        assertTrue(text.endsWith("\n"), "the exposition ends with a newline");
        Map<String, String> types = new HashMap<>();
        Map<String, Double> series = new LinkedHashMap<>();
        Map<String, Double> lastBucket = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                String[] parts = line.substring(7).split(" ", 2);
                assertTrue(NAME.matcher(parts[0]).matches() && parts.length == 2, line);
            } else if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                assertEquals(2, parts.length, line);
                assertTrue(TYPES.contains(parts[1]), line);
                assertTrue(types.put(parts[0], parts[1]) == null, "TYPE given twice: " + line);
            } else {
                Matcher m = SAMPLE.matcher(line);
                if (!m.matches()) {
                    fail("not a sample line: '" + line + "'");
                }
                String name = m.group(1);
                if (m.group(3) != null) {
                    assertTrue(LABELS.matcher(m.group(3)).matches(), "bad labels: " + line);
                }
                String family = family(name, types);
                assertTrue(types.containsKey(family), "sample before its TYPE: " + line);
                double value = MetricsSnapshot.parseValue(m.group(4));
                series.put(name + (m.group(2) == null ? "" : m.group(2)), value);
                if (name.endsWith("_bucket")) {
                    Double previous = lastBucket.put(family, value);
                    assertTrue(previous == null || previous <= value, "buckets are cumulative: " + line);
                }
                if (name.endsWith("_count") && "histogram".equals(types.get(family))) {
                    Double infinity = series.get(family + "_bucket{le=\"+Inf\"}");
                    assertTrue(infinity != null, "a +Inf bucket before " + line);
                    assertEquals(infinity.doubleValue(), value, "the +Inf bucket is the count: " + family);
                }
            }
        }
        return series;
    }

    private static String family(String name, Map<String, String> types) {
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                if ("histogram".equals(types.get(base))) {
                    return base;
                }
            }
        }
        return name;
    }
}
