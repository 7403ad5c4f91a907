package ignis.server.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The figures of one concurrency level, computed from its load run and the metrics read after it.
 * Throughput counts every token received, a cancelled stream's too (the server did generate them);
 * TTFT counts every request that got a first token; TPOT and ITL only completed requests, whose
 * streams ran their whole length.
 *
 * @param metricsAfter the server's metrics once the level's load stopped, null if unreadable
 */
public record LevelStats(int concurrency, int requests, long ok, long failed, long cancelled, long rejected,
                         double wallSeconds, long outputTokens, double outputTokensPerSecond, double requestsPerSecond,
                         double ttftP50Ms, double ttftP99Ms, double tpotP50Ms, double tpotP99Ms,
                         double itlP50Ms, double itlP99Ms, int maxInFlight, String firstError,
                         MetricsSnapshot metricsAfter) {

    private static final double MS = 1e6;

    /**
     * Aggregate decode throughput while {@code concurrency} streams decode side by side:
     * concurrency / TPOT p50. Unlike output tok/s it leaves out the time to first token, so it
     * shows what batching the decode steps gains.
     */
    public double decodeTokensPerSecond() {
        return concurrency * 1e3 / tpotP50Ms;
    }

    public static LevelStats of(LoadResult run, MetricsSnapshot metricsAfter) {
        List<RequestResult> rs = run.results();
        double wall = run.wallNanos() / 1e9;
        long tokens = 0;
        List<Double> ttft = new ArrayList<>();
        List<Double> tpot = new ArrayList<>();
        List<Double> itl = new ArrayList<>();
        String firstError = null;
        for (RequestResult r : rs) {
            tokens += r.outputTokens();
            if (r.ttftNanos() >= 0 && r.outcome() != Outcome.FAILED) {
                ttft.add(r.ttftNanos() / MS);
            }
            if (r.outcome() == Outcome.OK) {
                double t = r.tpotNanos();
                if (!Double.isNaN(t)) {
                    tpot.add(t / MS);
                }
                long[] times = r.tokenNanos();
                for (int i = 1; i < times.length; i++) {
                    itl.add((times[i] - times[i - 1]) / MS);
                }
            }
            if (firstError == null && r.error() != null && r.outcome() != Outcome.REJECTED) {
                firstError = r.error();
            }
        }
        long ok = run.count(Outcome.OK);
        return new LevelStats(run.plan().concurrency(), rs.size(), ok, run.count(Outcome.FAILED),
                run.count(Outcome.CANCELLED), run.count(Outcome.REJECTED), wall, tokens,
                wall > 0 ? tokens / wall : Double.NaN, wall > 0 ? ok / wall : Double.NaN,
                Percentiles.nearestRank(ttft, 50), Percentiles.nearestRank(ttft, 99),
                Percentiles.nearestRank(tpot, 50), Percentiles.nearestRank(tpot, 99),
                Percentiles.nearestRank(itl, 50), Percentiles.nearestRank(itl, 99),
                run.maxInFlight(), firstError, metricsAfter);
    }
}
