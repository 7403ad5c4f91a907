package ignis.runtime;

import org.junit.jupiter.api.Test;

import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Benchmark#warmUp}: warm-up runs continue while a run is more than 5% faster than the one
 * before or the JIT compiled for more than 2% of a run, up to the cap.
 */
class BenchmarkWarmUpTest {

    /** The given seconds, one per call; fails the test if called more often. */
    private static DoubleSupplier runs(double... seconds) {
        int[] next = {0};
        return () -> seconds[next[0]++];
    }

    /** The JIT's compiling so far in milliseconds, read twice per run (before and after): the given totals in turn. */
    private static LongSupplier compiled(long... totals) {
        int[] next = {0};
        return () -> totals[next[0]++] * 1_000_000L;
    }

    /** A JIT that compiles nothing. */
    private static final LongSupplier QUIET = () -> 0;

    @Test
    void stopsOnceARunIsNoLongerMuchFaster() {
        assertEquals(2, Benchmark.warmUp(runs(1.0, 0.97), QUIET));
        assertEquals(2, Benchmark.warmUp(runs(1.0, 1.2), QUIET));
        assertEquals(3, Benchmark.warmUp(runs(1.0, 0.8, 0.79), QUIET));
    }

    @Test
    void goesOnWhileTheJitCompilesDuringARun() {
        // run 2 overlaps 100 ms of compiling (10% of it), run 3 10 ms (1%)
        assertEquals(3, Benchmark.warmUp(runs(1.0, 1.0, 1.0), compiled(0, 500, 500, 600, 600, 610)));
        // a compile only before a run does not count against it
        assertEquals(2, Benchmark.warmUp(runs(1.0, 1.0), compiled(0, 0, 900, 900)));
    }

    @Test
    void stopsAtTheCapWhileStillGettingFaster() {
        double[] faster = new double[Benchmark.MAX_WARM_UPS];
        for (int i = 0; i < faster.length; i++) {
            faster[i] = Math.pow(0.8, i);
        }
        assertEquals(Benchmark.MAX_WARM_UPS, Benchmark.warmUp(runs(faster), QUIET));
    }
}
