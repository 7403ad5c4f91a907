package ignis.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link JitActivity}: compiler threads' CPU ticks read from /proc stat lines. */
class JitActivityTest {

    @Test
    void compilerThreadsCountTheirUserAndSystemTicks() {
        assertEquals(280, JitActivity.compilerTicks("123 (C2 CompilerThre) S 1 2 3 0 -1 4194368 10 0 0 0 250 30 0 0 20 0"));
        assertEquals(7, JitActivity.compilerTicks("124 (C1 CompilerThre) S 1 2 3 0 -1 4194368 10 0 0 0 5 2 0 0 20 0"));
    }

    @Test
    void otherThreadsCountNothing() {
        assertEquals(0, JitActivity.compilerTicks("125 (ignis-worker-1) R 1 2 3 0 -1 4194368 10 0 0 0 900 9 0 0 20 0"));
        assertEquals(0, JitActivity.compilerTicks("garbage"));
    }

    @Test
    void theNameRunsToTheLastParenthesis() {
        // a name holding ") " and a space: the fields still count from the last ')'
        assertEquals(8, JitActivity.compilerTicks("126 (x) C2 CompilerThre) R 1 2 3 0 -1 0 0 0 0 0 4 4 0 0 20 0"));
    }

    @Test
    void aJvmRunningTestsHasCompiled() {
        assertTrue(JitActivity.compileNanos() > 0, "no compiling seen in a JVM that has run JUnit");
    }
}
