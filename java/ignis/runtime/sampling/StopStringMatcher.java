package ignis.runtime.sampling;

import ignis.IgnisException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Watches streamed text for stop strings. Each {@link #feed} returns the text that can be shown now: everything
 * except a tail that might still grow into a stop string, which is held back until it either completes one (then
 * it is dropped, with everything after it) or stops being a possible start (then it is released). Stop strings may
 * span any number of pieces and may overlap each other.
 *
 * <p>The first stop string to be completed ends the stream; if several complete in the same piece, the one that
 * starts earliest wins. Matching is exact, char by char; a surrogate pair is never split between an emitted and a
 * held-back part.
 */
public final class StopStringMatcher {
    private final String[] stopStrings;
    private final int longestStopLength;
    private final StringBuilder held = new StringBuilder();
    private String matched;

    public StopStringMatcher(List<String> stopStrings) {
        this.stopStrings = stopStrings.toArray(String[]::new);
        for (int i = 0; i < this.stopStrings.length; i++) {
            if (this.stopStrings[i] == null || this.stopStrings[i].isEmpty()) {
                throw new IgnisException(
                        "stop string #" + i + " is " + (this.stopStrings[i] == null ? "null" : "empty"));
            }
        }
        int longest = 0;
        for (String stop : this.stopStrings) {
            longest = Math.max(longest, stop.length());
        }
        this.longestStopLength = longest;
    }

    public StopStringMatcher(String... stopStrings) {
        this(Arrays.asList(stopStrings));
    }

    /** Adds a piece of generated text; returns what may be emitted now (possibly empty). */
    public String feed(String textPiece) {
        if (matched != null) {
            return "";
        }
        held.append(Objects.requireNonNull(textPiece, "textPiece"));
        int stopAt = earliestCompleteStop();
        if (stopAt >= 0) {
            String emitted = held.substring(0, stopAt);
            held.setLength(0);
            return emitted;
        }
        int keepFrom = startOfPossibleStop();
        String emitted = held.substring(0, keepFrom);
        held.delete(0, keepFrom);
        return emitted;
    }

    /** At the end of generation: the held-back text, which no stop string completed (empty after a stop). */
    public String flush() {
        String rest = held.toString();
        held.setLength(0);
        return rest;
    }

    /** True once a stop string has been completed; further pieces are ignored. */
    public boolean stopped() {
        return matched != null;
    }

    /** The stop string that ended the stream, or null. */
    public String matchedStopString() {
        return matched;
    }

    /** Index in {@code held} of the earliest complete stop string, recording which; -1 when there is none. */
    private int earliestCompleteStop() {
        int earliest = -1;
        for (String stop : stopStrings) {
            int at = held.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
                matched = stop;
            }
        }
        return earliest;
    }

    /** The first index from which the rest of {@code held} is a proper start of some stop string. */
    private int startOfPossibleStop() {
        int length = held.length();
        int from = length;
        for (int start = length - 1; start >= 0 && length - start < longestStopLength; start--) {
            if (isStartOfSomeStop(start)) {
                from = start;
            }
        }
        if (from > 0 && Character.isHighSurrogate(held.charAt(from - 1))) {
            from--; // keep a surrogate pair (or a lone high surrogate awaiting its partner) together
        }
        return from;
    }

    private boolean isStartOfSomeStop(int start) {
        int tailLength = held.length() - start;
        for (String stop : stopStrings) {
            if (tailLength < stop.length() && heldMatches(start, stop, tailLength)) {
                return true;
            }
        }
        return false;
    }

    private boolean heldMatches(int start, String stop, int length) {
        for (int i = 0; i < length; i++) {
            if (held.charAt(start + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
