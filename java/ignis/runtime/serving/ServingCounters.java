package ignis.runtime.serving;

import java.util.concurrent.atomic.AtomicLong;

/** The scheduler's counters and gauges, written on its thread and read by {@link BatchScheduler#stats} from any. */
final class ServingCounters {
    /** Generated tokens per second are measured over this window. */
    private static final long WINDOW_NANOS = 10_000_000_000L;

    final AtomicLong promptTokens = new AtomicLong();
    final AtomicLong prefixHitTokens = new AtomicLong();
    final AtomicLong generated = new AtomicLong();
    final AtomicLong finished = new AtomicLong();
    final AtomicLong cancelled = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong preemptions = new AtomicLong();
    final LatencyHistogram timeToFirstToken = new LatencyHistogram();
    final LatencyHistogram timePerOutputToken = new LatencyHistogram();
    volatile int waiting;
    volatile int running;
    volatile int freeBlocks;
    volatile int cachedBlocks;

    /** Token arrival times, a ring over the last {@link #WINDOW_NANOS} (at most this many tokens counted). */
    private final long[] arrivals = new long[4096];
    private int next;
    private int size;

    synchronized void recordThroughput(long now) {
        arrivals[next] = now;
        next = (next + 1) % arrivals.length;
        size = Math.min(size + 1, arrivals.length);
    }

    private synchronized double tokensPerSecond() {
        long now = System.nanoTime();
        int inWindow = 0;
        long oldest = now;
        for (int i = 0; i < size; i++) {
            long t = arrivals[(next - 1 - i + arrivals.length) % arrivals.length];
            if (now - t > WINDOW_NANOS) {
                break;
            }
            inWindow++;
            oldest = t;
        }
        if (inWindow < 2) {
            return 0;
        }
        // over the span the tokens arrived in, or the window when they have stopped coming
        double seconds = Math.max(now - oldest, 1) / 1e9;
        return inWindow / seconds;
    }

    ServingStats snapshot(int blocksTotal, int blocksUsed, int blocksCached) {
        return new ServingStats(waiting, running, blocksTotal, blocksUsed, blocksCached, promptTokens.get(), prefixHitTokens.get(),
                generated.get(), finished.get(), cancelled.get(), failed.get(), rejected.get(), preemptions.get(),
                tokensPerSecond(), timeToFirstToken.snapshot(), timePerOutputToken.snapshot());
    }
}
