package ignis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ignis.peer.PeerLibrary;
import ignis.server.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code ignis bench --compare-llamacpp}: both engines' rows, the ratios, the JSON, and a missing library. */
class BenchCompareTest {
    private static final String[] TESTS = {"pp16", "tg8"};
    private static final Pattern ROW = Pattern.compile(
            "\\| tiny Q8_0 \\(dummy weights\\) \\| [^|]+ \\| [^|]+ \\| ([^|]+) \\| 2 \\| (\\w+) \\| ([0-9.]+) ± [0-9.]+ \\|");
    private static final Pattern RATIO = Pattern.compile("\\| (\\w+) \\| ([0-9.]+) \\| ([0-9.]+) \\| ([0-9.]+) \\|");

    private static void assumePeer() {
        String why = PeerLibrary.whyUnavailable();
        assumeTrue(why == null, () -> "llama.cpp's library is not usable here: " + why);
    }

    private static GenerateCommandTest.Run bench(String... extra) {
        List<String> args = new ArrayList<>(List.of("bench", "--shape", "tiny", "-p", "16", "-n", "8", "--reps", "1", "-t", "2",
                "--compare-llamacpp"));
        args.addAll(List.of(extra));
        return GenerateCommandTest.run(args.toArray(String[]::new));
    }

    @Test
    void tablePrintsOursThenLlamaCppPerTestAndTheirRatio() {
        assumePeer();
        GenerateCommandTest.Run r = bench();
        assertEquals(0, r.exit(), r.err());
        List<String[]> rows = new ArrayList<>();
        Matcher m = ROW.matcher(r.out());
        while (m.find()) {
            rows.add(new String[] {m.group(1), m.group(2), m.group(3)});
        }
        assertEquals(4, rows.size(), r.out());
        for (int i = 0; i < TESTS.length; i++) {
            String[] ours = rows.get(2 * i);
            String[] theirs = rows.get(2 * i + 1);
            assertEquals("cpu", ours[0], r.out());
            assertTrue(theirs[0].matches("llama\\.cpp b\\d+ \\(cpu\\)"), theirs[0]);
            assertEquals(TESTS[i], ours[1]);
            assertEquals(TESTS[i], theirs[1]);
            assertTrue(Double.parseDouble(ours[2]) > 0 && Double.parseDouble(theirs[2]) > 0, r.out());
        }
        Matcher ratio = RATIO.matcher(r.out().substring(r.out().indexOf("| test | ignis t/s")));
        for (int i = 0; i < TESTS.length; i++) {
            assertTrue(ratio.find(), r.out());
            assertEquals(TESTS[i], ratio.group(1));
            double ours = Double.parseDouble(ratio.group(2));
            double theirs = Double.parseDouble(ratio.group(3));
            assertEquals(rows.get(2 * i)[2], ratio.group(2), "ratio table repeats our t/s");
            assertEquals(rows.get(2 * i + 1)[2], ratio.group(3), "ratio table repeats llama.cpp's t/s");
            // Printed to 2 and 3 decimals: the quotient of the printed figures within their rounding.
            double expected = ours / theirs;
            double slack = 0.0005 + expected * (0.005 / ours + 0.005 / theirs);
            assertEquals(expected, Double.parseDouble(ratio.group(4)), slack, TESTS[i] + ": " + r.out());
        }
        assertTrue(r.err().contains("llama.cpp tg8 rep 1/1"), "the progress bar covers llama.cpp's runs: " + r.err());
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonHasLlamaCppResultsAndRatios() {
        assumePeer();
        GenerateCommandTest.Run r = bench("--json");
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> json = (Map<String, Object>) JsonParser.parse(r.out().trim());
        List<Map<String, Object>> ours = (List<Map<String, Object>>) json.get("results");
        Map<String, Object> peer = (Map<String, Object>) json.get("llama_cpp");
        assertTrue(((String) peer.get("backend")).startsWith("llama.cpp b"), peer.toString());
        List<Map<String, Object>> theirs = (List<Map<String, Object>>) peer.get("results");
        List<Map<String, Object>> ratios = (List<Map<String, Object>>) json.get("ratios");
        assertEquals(TESTS.length, ours.size());
        assertEquals(TESTS.length, theirs.size());
        assertEquals(TESTS.length, ratios.size());
        for (int i = 0; i < TESTS.length; i++) {
            assertEquals(TESTS[i], ours.get(i).get("test"));
            assertEquals(TESTS[i], theirs.get(i).get("test"));
            assertEquals(TESTS[i], ratios.get(i).get("test"));
            double a = ((Number) ours.get(i).get("tokens_per_second")).doubleValue();
            double b = ((Number) theirs.get(i).get("tokens_per_second")).doubleValue();
            assertTrue(a > 0 && b > 0, r.out());
            // One rep: tokens/s is the test's tokens over its one timing.
            int tokens = Integer.parseInt(TESTS[i].substring(2));
            assertEquals(tokens / ((Number) ((List<Object>) theirs.get(i).get("seconds")).get(0)).doubleValue(), b, b * 1e-12);
            assertEquals(a / b, ((Number) ratios.get(i).get("ratio")).doubleValue(), a / b * 1e-12);
        }
    }

    @Test
    void missingLlamaCppJarIsAClearErrorNamingThePath() {
        assumePeer(); // elsewhere the platform is the first reason given
        String missing = "/no/such/dir/llama-4.2.0.jar";
        System.setProperty(PeerLibrary.JAR_PROPERTY, missing);
        try {
            GenerateCommandTest.Run r = bench();
            assertEquals(1, r.exit(), r.out());
            assertTrue(r.err().startsWith("ignis: error: ") && r.err().contains(missing) && r.err().contains("does not exist"), r.err());
            assertTrue(r.out().isEmpty(), "no benchmark runs before the check: " + r.out());
        } finally {
            System.clearProperty(PeerLibrary.JAR_PROPERTY);
        }
    }
}
