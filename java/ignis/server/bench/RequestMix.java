package ignis.server.bench;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The requests a run draws from: round-robin over the list, or a seeded random pick. Request i of a
 * run always gets the same entry for the same mix, so two runs (or two servers) see the same load.
 */
public record RequestMix(List<CompletionRequest> entries, boolean shuffled, long seed) {
    public RequestMix {
        entries = List.copyOf(entries);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("request mix is empty");
        }
    }

    public static RequestMix roundRobin(List<CompletionRequest> entries) {
        return new RequestMix(entries, false, 0);
    }

    public static RequestMix seededRandom(List<CompletionRequest> entries, long seed) {
        return new RequestMix(entries, true, seed);
    }

    public static RequestMix of(CompletionRequest only) {
        return roundRobin(List.of(only));
    }

    /** The entry request {@code i} uses. */
    public CompletionRequest get(int i) {
        if (!shuffled) {
            return entries.get(Math.floorMod(i, entries.size()));
        }
        // Derived from (seed, i) alone, not a shared generator: the pick does not depend on which
        // worker thread asks first.
        return entries.get(new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (i + 1))).nextInt(entries.size()));
    }
}
