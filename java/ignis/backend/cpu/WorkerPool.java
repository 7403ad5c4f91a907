package ignis.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool for data-parallel loops: the caller plus {@code threads - 1} workers take
 * chunks of an index range. Workers spin briefly between loops (a decoded token runs hundreds of
 * them, too many to pay a park/unpark for each) and then sleep in short parks. Nothing is
 * allocated per loop.
 */
public final class WorkerPool implements AutoCloseable {

    /** Body of a parallel loop over {@code [start, end)}; {@code worker} in [0, threads) indexes per-thread scratch. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end, int worker);
    }

    private static final int SPINS_BEFORE_PARK = 1 << 16;
    private static final long PARK_NANOS = 50_000;

    private final Thread[] workers;
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile Throwable failure;
    private RangeTask task;
    private int size;
    private int unit;

    public WorkerPool(int threads) {
        workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int worker = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("ignis-worker-" + worker).start(() -> workLoop(worker));
        }
    }

    public int threads() {
        return workers.length + 1;
    }

    /** Runs {@code task} over {@code [0, size)} in chunks of at least {@code minChunk} and returns when all are done. */
    public void parallelFor(int size, int minChunk, RangeTask task) {
        if (workers.length == 0 || size <= minChunk) {
            task.run(0, size, 0);
            return;
        }
        this.task = task;
        this.size = size;
        // chunks are whole multiples of minChunk (kernels that take rows in groups rely on it)
        this.unit = minChunk;
        nextChunk.set(0);
        running.set(workers.length);
        generation++; // volatile write: publishes task, size, unit to the workers
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        try {
            runChunks(0);
        } catch (Throwable e) {
            failure = e;
        }
        while (running.get() != 0) {
            Thread.onSpinWait();
        }
        this.task = null;
        Throwable t = failure;
        if (t != null) {
            failure = null;
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }

    private void runChunks(int worker) {
        RangeTask t = task;
        int n = size;
        int u = unit;
        int shares = 2 * threads();
        // guided: each chunk a share of what is left, so the first are large (few claims) and
        // the last small, and the threads finish close together
        for (int start = nextChunk.get(); start < n; start = nextChunk.get()) {
            int c = Math.max(1, (n - start) / shares / u) * u;
            if (nextChunk.compareAndSet(start, start + c)) {
                t.run(start, Math.min(n, start + c), worker);
            }
        }
    }

    private void workLoop(int worker) {
        long seen = 0;
        while (true) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < SPINS_BEFORE_PARK) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(PARK_NANOS);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            try {
                runChunks(worker);
            } catch (Throwable e) {
                failure = e;
            } finally {
                running.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
