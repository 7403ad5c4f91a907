package ignis.backend.cpu;

import ignis.tensor.MatrixInput;

/**
 * A {@link MatrixInput.TokenLoop} on a {@link WorkerPool}: the per-token conversions of a batch's
 * activations (quantizing, unpacking, the kernels' layouts) split over the threads, so that the
 * others do not wait while one converts. Batches below {@link #MIN_CHUNK} items run on the
 * calling thread: waking the pool costs more than they do. One range at a time, from the thread
 * that owns the pool.
 */
final class PoolTokenLoop implements MatrixInput.TokenLoop, WorkerPool.RangeTask {
    static final int MIN_CHUNK = 16;

    private final WorkerPool pool;
    private MatrixInput.TokenRange range;

    PoolTokenLoop(WorkerPool pool) {
        this.pool = pool;
    }

    @Override
    public void forRanges(int count, MatrixInput.TokenRange range) {
        this.range = range;
        try {
            pool.parallelFor(count, MIN_CHUNK, this);
        } finally {
            this.range = null;
        }
    }

    @Override
    public void run(int start, int end, int worker) {
        range.run(start, end);
    }
}
