package ignis.server.bench;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Hears the benchmark's progress, for a progress bar on stderr. Every method has a no-op default;
 * {@link #requestDone} is called from the load's worker threads, concurrently.
 */
public interface ProgressSink {
    ProgressSink NONE = new ProgressSink() {
    };

    /** A warm-up request ended: {@code done} of {@code total}. */
    default void warmup(int done, int total) {
    }

    default void levelStarted(int concurrency, int requests) {
    }

    /** A request of the level ended: {@code done} of {@code total} so far. */
    default void requestDone(int concurrency, int done, int total, RequestResult result) {
    }

    default void levelFinished(LevelStats stats) {
    }

    /** One line per level on {@code out}: the plain form, for logs and tests. */
    static ProgressSink lines(PrintStream out) {
        return new ProgressSink() {
            @Override
            public void levelFinished(LevelStats s) {
                out.println(String.format(Locale.ROOT, "concurrency %d: %d requests, %.1f output tok/s, ok %d, failed %d, cancelled %d, rejected %d",
                        s.concurrency(), s.requests(), s.outputTokensPerSecond(), s.ok(), s.failed(), s.cancelled(), s.rejected()));
            }
        };
    }
}
