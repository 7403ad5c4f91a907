package ignis.server.bench;

import java.util.Arrays;
import java.util.Collection;

/**
 * Percentiles by the nearest-rank method: the p-th percentile of n sorted values is the value at
 * rank ceil(p/100 * n) (1-based). Always one of the measured values, never an interpolation, so a
 * p99 over few requests is honestly the worst of them.
 */
public final class Percentiles {
    private Percentiles() {
    }

    /** The {@code p}-th percentile (0 < p <= 100; p = 0 gives the minimum); NaN for no values. */
    public static double nearestRank(double[] values, double p) {
        if (!(p >= 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + p);
        }
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[rank(sorted.length, p) - 1];
    }

    public static double nearestRank(Collection<? extends Number> values, double p) {
        return nearestRank(values.stream().mapToDouble(Number::doubleValue).toArray(), p);
    }

    /**
     * The 1-based rank ceil(p * n / 100), clamped to [1, n]. The small slack keeps a p * n / 100
     * that is an integer in exact arithmetic but lands a rounding error above it (a fractional p)
     * from moving up to the next rank.
     */
    static int rank(int n, double p) {
        int r = (int) Math.ceil(p * n / 100.0 - 1e-9);
        return Math.max(1, Math.min(n, r));
    }
}
