package ignis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's --help prints cleanly: a stray '%' in a description makes picocli warn on stderr. */
class HelpTextTest {

    @Test
    void everyCommandsHelpFormatsWithoutWarnings() {
        List<String> names = new CommandLine(new Main()).getSubcommands().keySet().stream().toList();
        assertTrue(names.contains("bench-kernels"), names.toString());
        checkHelp();
        for (String name : names) {
            checkHelp(name);
        }
    }

    private static void checkHelp(String... command) {
        String[] args = Stream.concat(Arrays.stream(command), Stream.of("--help")).toArray(String[]::new);
        GenerateCommandTest.Run run = GenerateCommandTest.run(args);
        String what = String.join(" ", args);
        assertEquals(0, run.exit(), what + ": " + run.err());
        assertFalse(run.err().contains("WARN"), what + " warned: " + run.err());
        assertTrue(run.out().startsWith("Usage: ignis"), what + ": " + run.out());
    }
}
