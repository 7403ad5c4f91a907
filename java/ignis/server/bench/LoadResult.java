package ignis.server.bench;

import java.util.List;

/**
 * What one load run gave: the results in request order, the wall time from the first send to the
 * last stream's end, and the most requests this client had in flight at once (a check that the
 * concurrency asked for was the concurrency applied).
 */
public record LoadResult(LoadPlan plan, List<RequestResult> results, long wallNanos, int maxInFlight) {
    public LoadResult {
        results = List.copyOf(results);
    }

    public long count(Outcome outcome) {
        return results.stream().filter(r -> r.outcome() == outcome).count();
    }
}
