package ignis.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import org.junit.jupiter.api.Test;

class ExecutorOptionsTest {

    @Test
    void defaultThreadsCountsCoresWithinTheAvailableProcessors() {
        int threads = ExecutorOptions.defaultThreads();
        assertTrue(threads >= 1 && threads <= Runtime.getRuntime().availableProcessors(), "threads " + threads);
    }

    @Test
    void invalidValuesAreRejectedByName() {
        assertTrue(assertThrows(IgnisException.class, () -> new ExecutorOptions(0, 512)).getMessage().contains("threads"));
        assertTrue(assertThrows(IgnisException.class, () -> new ExecutorOptions(2, 0)).getMessage().contains("batch"));
    }
}
