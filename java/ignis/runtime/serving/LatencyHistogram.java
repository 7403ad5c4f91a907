package ignis.runtime.serving;

import java.util.Arrays;

/**
 * A Prometheus-style histogram of seconds: counts per upper bound (cumulative when read), sum and
 * count. Thread-safe.
 */
public final class LatencyHistogram {
    /** Upper bounds in seconds, as vLLM's TTFT / TPOT buckets span them. */
    public static final double[] BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0,
        2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0};

    private final long[] counts = new long[BOUNDS.length];
    private long count;
    private double sum;

    public synchronized void observe(double seconds) {
        int i = 0;
        while (i < BOUNDS.length && seconds > BOUNDS[i]) {
            i++;
        }
        if (i < BOUNDS.length) {
            counts[i]++;
        }
        count++;
        sum += seconds;
    }

    public synchronized Snapshot snapshot() {
        long[] cumulative = new long[BOUNDS.length];
        long running = 0;
        for (int i = 0; i < BOUNDS.length; i++) {
            running += counts[i];
            cumulative[i] = running;
        }
        return new Snapshot(cumulative, count, sum);
    }

    /** {@code cumulative[i]}: observations <= {@code BOUNDS[i]}; {@code count} includes those above the last bound (+Inf). */
    public record Snapshot(long[] cumulative, long count, double sum) {
        @Override
        public String toString() {
            return "Snapshot[cumulative=" + Arrays.toString(cumulative) + ", count=" + count + ", sum=" + sum + "]";
        }
    }
}
