package ignis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code ignis bench -p/-n} as llama-bench takes them: a length of 0 skips its test; negative lengths are errors. */
class BenchLengthsTest {

    @Test
    void zeroPromptLengthRunsDecodeOnly() {
        GenerateCommandTest.Run r = GenerateCommandTest.run("bench", "--shape", "tiny", "-p", "0", "-n", "4", "--reps", "1",
                "--backend", "cpu");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("| tg4 |"), r.out());
        assertFalse(r.out().contains("| pp"), r.out());
    }

    @Test
    void negativeLengthIsAnErrorNamingTheOption() {
        GenerateCommandTest.Run r = GenerateCommandTest.run("bench", "--shape", "tiny", "-p", "16", "-n", "-1", "--backend", "cpu");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.err().contains("-n/--n-gen") && r.err().contains("-1"), r.err());
    }

    @Test
    void allLengthsZeroIsAnError() {
        GenerateCommandTest.Run r = GenerateCommandTest.run("bench", "--shape", "tiny", "-p", "0", "-n", "0", "--backend", "cpu");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.err().contains("no test to run"), r.err());
    }
}
