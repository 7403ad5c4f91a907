package ignis.backend.cpu;

import ignis.tensor.MatrixInput;
import ignis.tensor.QuantFormat;
import ignis.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * {@code out[outOffset + t * rows + r] = W[r] . x[t]}: fused dequantize-dot of every weight row with every
 * activation row, weights read straight from the mapped file. Parallel over weight rows; for
 * several tokens (prefill) each weight row is used for all tokens while it is in cache.
 * One instance is reused for every product (no allocation per call).
 */
final class MatMul implements WorkerPool.RangeTask {
    private final WorkerPool pool;
    private QuantFormat format;
    private MemorySegment weights;
    private long weightRowBytes;
    private MatrixInput input;
    private int rows;
    private float[] out;
    private int outOffset;

    MatMul(WorkerPool pool) {
        this.pool = pool;
    }

    void multiply(Tensor w, Activations x, float[] out) {
        multiply(w, x, out, 0);
    }

    /** As {@link #multiply(Tensor, Activations, float[])}, writing from {@code out[outOffset]} on. */
    void multiply(Tensor w, Activations x, float[] out, int outOffset) {
        if (w.rowLength() != x.length()) {
            throw new IllegalArgumentException(w.name() + ": row length " + w.rowLength() + " != input length " + x.length());
        }
        this.format = w.format();
        this.weights = w.data();
        this.weightRowBytes = w.rowBytes();
        this.input = x.input(format.activationType());
        this.rows = w.rowCount();
        this.out = out;
        this.outOffset = outOffset;
        pool.parallelFor(rows, 4, this);
        this.out = null;
    }

    @Override
    public void run(int start, int end, int worker) {
        format.multiplyRows(weights, weightRowBytes, start, end, input, out, outOffset, rows);
    }
}
