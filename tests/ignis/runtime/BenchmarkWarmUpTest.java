package ignis.runtime;

import org.junit.jupiter.api.Test;

import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Benchmark#warmUp}: warm-up runs continue while a run is more than 5% faster than the one before, up to the cap. */
class BenchmarkWarmUpTest {

    /** The given seconds, one per call; fails the test if called more often. */
    private static DoubleSupplier runs(double... seconds) {
        int[] next = {0};
        return () -> seconds[next[0]++];
    }

    @Test
    void stopsOnceARunIsNoLongerMuchFaster() {
        assertEquals(2, Benchmark.warmUp(runs(1.0, 0.97)));
        assertEquals(2, Benchmark.warmUp(runs(1.0, 1.2)));
        assertEquals(3, Benchmark.warmUp(runs(1.0, 0.8, 0.79)));
    }

    @Test
    void stopsAtTheCapWhileStillGettingFaster() {
        assertEquals(Benchmark.MAX_WARM_UPS, Benchmark.warmUp(runs(1.0, 0.8, 0.6, 0.4)));
    }
}
