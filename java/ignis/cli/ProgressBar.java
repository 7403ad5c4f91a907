package ignis.cli;

import java.io.PrintWriter;

/** A one-line progress bar on stderr, redrawn at most ten times a second. */
public final class ProgressBar {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter out;
    private final String label;
    private final boolean enabled;
    private long lastDraw;
    private boolean drawn;

    public ProgressBar(String label, boolean enabled) {
        this(new PrintWriter(System.err, true), label, enabled);
    }

    ProgressBar(PrintWriter out, String label, boolean enabled) {
        this.out = out;
        this.label = label;
        this.enabled = enabled;
    }

    /** Shows {@code done} of {@code total}; the last step always draws. */
    public synchronized void update(long done, long total, String detail) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && drawn && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        drawn = true;
        int filled = total <= 0 ? WIDTH : (int) (WIDTH * Math.min(done, total) / total);
        int percent = total <= 0 ? 100 : (int) (100 * Math.min(done, total) / total);
        out.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + percent + "% "
                + (detail == null ? "" : detail) + "\u001b[K");
        out.flush();
    }

    /** Ends the line (when anything was drawn). */
    public synchronized void finish() {
        if (enabled && drawn) {
            out.println();
            drawn = false;
        }
    }
}
