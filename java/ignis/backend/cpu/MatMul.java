package ignis.backend.cpu;

import ignis.tensor.MatrixInput;
import ignis.tensor.PackedMatrix;
import ignis.tensor.QuantFormat;
import ignis.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * {@code out[outOffset + t * rows + r] = W[r] . x[t]}: fused dequantize-dot of every weight row with every
 * activation row, weights read straight from the mapped file. Parallel over weight rows; for
 * several tokens (prefill) each weight row is used for all tokens while it is in cache.
 * One instance is reused for every product (no allocation per call).
 */
final class MatMul implements WorkerPool.RangeTask {
    /** Rows per chunk handed to a thread: whole packed groups, and even for the two-row kernels. */
    private static final int ROW_GRANULE = 16;

    private static final System.Logger LOG = System.getLogger(MatMul.class.getName());

    private final WorkerPool pool;
    /** Set once a repacked copy did not fit the heap: no matrix is repacked after it. */
    private boolean outOfHeap;
    private final Map<Tensor, PackedMatrix> packedMatrices = new IdentityHashMap<>();
    private PackedMatrix packed;
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

    /**
     * Repacks {@code w} for its format's many-row kernel where it has one (see {@link PackedMatrix}),
     * on all threads. The copies are only for speed (the file layout gives the same bits): when
     * the heap cannot hold one, every copy is dropped, so that the KV cache still fits, and the
     * model runs the file-layout kernels, with a warning saying how to get the speed back.
     */
    void pack(Tensor w) {
        if (outOfHeap) {
            return;
        }
        PackedMatrix p;
        try {
            p = PackedMatrix.of(w);
        } catch (OutOfMemoryError e) {
            outOfHeap = true;
            packedMatrices.clear();
            LOG.log(System.Logger.Level.WARNING, "the Java heap (max " + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB) cannot hold the repacked copy of " + w.name() + ": every matrix keeps its file layout, "
                    + "which is slower; give the JVM more heap (-Xmx, or IGNIS_JAVA_OPTS for ./ignis) for full speed");
            return;
        }
        if (p != null) {
            pool.parallelFor(p.groups(), 1, (start, end, worker) -> p.pack(start, end));
            packedMatrices.put(w, p);
        }
    }

    void multiply(Tensor w, Activations x, float[] out) {
        multiply(w, x, out, 0);
    }

    /** As {@link #multiply(Tensor, Activations, float[])}, writing from {@code out[outOffset]} on. */
    void multiply(Tensor w, Activations x, float[] out, int outOffset) {
        if (w.rowLength() != x.length()) {
            throw new IllegalArgumentException(w.name() + ": row length " + w.rowLength() + " != input length " + x.length());
        }
        this.packed = packedMatrices.get(w);
        this.format = w.format();
        this.weights = w.data();
        this.weightRowBytes = w.rowBytes();
        this.input = x.input(format.activationType());
        input.prepareFor(w.type());
        this.rows = w.rowCount();
        this.out = out;
        this.outOffset = outOffset;
        pool.parallelFor(rows, ROW_GRANULE, this);
        this.out = null;
        this.packed = null;
    }

    @Override
    public void run(int start, int end, int worker) {
        if (packed != null) {
            packed.multiplyRows(start, end, input, out, outOffset, rows);
        } else {
            format.multiplyRows(weights, weightRowBytes, start, end, input, out, outOffset, rows);
        }
    }
}
