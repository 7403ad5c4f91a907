package ignis.backend.cpu;

import ignis.tensor.MatrixInput;
import ignis.tensor.PackedMatrix;
import ignis.tensor.QuantFormat;
import ignis.tensor.RowVectors;
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
    private static final int ROW_GRANULE = RowVectors.GROUP_ROWS;

    private static final System.Logger LOG = System.getLogger(MatMul.class.getName());

    private final WorkerPool pool;
    /** Set once a repacked copy did not fit the heap: no matrix is repacked after it. */
    private boolean outOfHeap;
    private final Map<Tensor, PackedMatrix> packedMatrices = new IdentityHashMap<>();
    /** The products of the current loop: one, or several that share an input (see {@link #multiply(Tensor, Tensor, Tensor, Activations, float[], float[], float[])}). */
    private final Product[] products = {new Product(), new Product(), new Product()};
    private int productCount;

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
        productCount = 0;
        add(w, x, out, outOffset);
        runProducts();
    }

    /** Two products of one input in one parallel loop: one hand-out of work and one wait, not two. */
    void multiply(Tensor w0, Tensor w1, Activations x, float[] out0, float[] out1) {
        productCount = 0;
        add(w0, x, out0, 0);
        add(w1, x, out1, 0);
        runProducts();
    }

    /** As {@link #multiply(Tensor, Tensor, Activations, float[], float[])} for three products. */
    void multiply(Tensor w0, Tensor w1, Tensor w2, Activations x, float[] out0, float[] out1, float[] out2) {
        productCount = 0;
        add(w0, x, out0, 0);
        add(w1, x, out1, 0);
        add(w2, x, out2, 0);
        runProducts();
    }

    private void add(Tensor w, Activations x, float[] out, int outOffset) {
        if (w.rowLength() != x.length()) {
            throw new IllegalArgumentException(w.name() + ": row length " + w.rowLength() + " != input length " + x.length());
        }
        Product p = products[productCount];
        p.first = productCount == 0 ? 0 : products[productCount - 1].end();
        p.packed = packedMatrices.get(w);
        p.format = w.format();
        p.weights = w.data();
        p.weightRowBytes = w.rowBytes();
        p.input = x.input(p.format.activationType());
        p.input.prepareFor(w.type());
        p.rows = w.rowCount();
        p.out = out;
        p.outOffset = outOffset;
        productCount++;
    }

    private void runProducts() {
        int rows = products[productCount - 1].end();
        int chunk = ROW_GRANULE;
        if (products[0].input.tokens() == 1) {
            // a lone token reads each row once: equal shares, one run of memory per thread (the
            // pool's guided chunks, small towards the end, started a new run per claim, and Q4_0
            // decode ran 4-19% slower with them)
            int granules = (rows + ROW_GRANULE - 1) / ROW_GRANULE;
            chunk = (granules + pool.threads() - 1) / pool.threads() * ROW_GRANULE;
        }
        pool.parallelFor(rows, chunk, this);
        for (int i = 0; i < productCount; i++) {
            products[i].out = null;
            products[i].packed = null;
        }
    }

    @Override
    public void run(int start, int end, int worker) {
        for (int i = 0; i < productCount; i++) {
            Product p = products[i];
            int from = Math.max(start, p.first) - p.first;
            int to = Math.min(end, p.first + p.rows) - p.first;
            if (from < to) {
                p.run(from, to);
            }
        }
    }

    /**
     * One matrix product of a loop, its rows at {@code [first, first + rows)} of the loop's index
     * range; {@code first} is a whole number of granules, so chunks start on whole packed groups.
     */
    private static final class Product {
        int first;
        PackedMatrix packed;
        QuantFormat format;
        MemorySegment weights;
        long weightRowBytes;
        MatrixInput input;
        int rows;
        float[] out;
        int outOffset;

        /** Where the next product's rows start: this one's end, rounded up to a granule. */
        int end() {
            return first + (rows + ROW_GRANULE - 1) / ROW_GRANULE * ROW_GRANULE;
        }

        void run(int start, int end) {
            if (packed != null) {
                packed.multiplyRows(start, end, input, out, outOffset, rows);
            } else {
                format.multiplyRows(weights, weightRowBytes, start, end, input, out, outOffset, rows);
            }
        }
    }
}
