package ignis.tensor;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * One thread, one weight matrix in the caches: the best of many short timings of a packed
 * matrix times {@code -Dtokens} tokens, in billions of products per second. Filters out the
 * other tenants of a shared machine better than {@link MultiplyRowsBench}; for comparing kernel
 * variants, not for model speed. Not a test. Arguments: types (default Q8_0); {@code -Dmillis} per type.
 */
final class TileKernelBench {
    public static void main(String[] args) {
        int tokens = Integer.getInteger("tokens", 96);
        int n = Integer.getInteger("n", 2048);
        int rows = Integer.getInteger("rows", 64);
        for (String name : args.length == 0 ? new String[] {"Q8_0"} : args) {
            GGMLType type = GGMLType.valueOf(name);
            SplittableRandom random = new SplittableRandom(1);
            Tensor w = new Tensor("w", type, new long[] {n, rows}, FormatTestSupport.quantizedRows(random, type, rows, n));
            PackedMatrix packed = PackedMatrix.of(w);
            packed.pack(0, packed.groups());
            GGMLType activationType = w.format().activationType();
            MemorySegment a = FormatTestSupport.quantizedRows(random, activationType, tokens, n);
            MatrixInput x = new MatrixInput(activationType);
            x.set(a, activationType.bytesFor(n), n, tokens);
            x.prepareFor(type);
            float[] out = new float[rows * tokens];
            double best = 0;
            // for seconds, not a number of passes: C2's full compile of a large kernel comes late
            long end = System.nanoTime() + Long.getLong("millis", 4000) * 1_000_000;
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                packed.multiplyRows(0, rows, x, out, 0, rows);
                long dt = System.nanoTime() - t0;
                best = Math.max(best, (double) rows * n * tokens / dt);
            }
            System.out.printf("%s %dx%d, %d tokens: %.2f Gelem/s on one thread%n", type, rows, n, tokens, best);
        }
    }
}
