package ignis.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;

/**
 * Throughput of {@link QuantFormat#multiplyRows} for lone-order tokens (as the continuous-batching
 * server sends them), on every core: the rows split among the cores in whole 16-row chunks, one
 * barrier per product. Not a test (surefire skips it); after {@code ./ignis test}, run
 * {@code java --add-modules jdk.incubator.vector -XX:CompileCommand=inline,ignis.tensor.VectorKernels::*
 * -cp target/classes:target/test-classes ignis.tensor.MultiplyRowsBench [F32 F16 ...]}.
 * Prints billions of weight-times-activation elements (rows x length x tokens) per second.
 * {@code -DfewTokens=true} measures 1 and 4 tokens only, {@code -Dtokens=64,512} the counts given.
 * {@code -DinCache=true} uses one copy of the matrix (it stays in cache), {@code -Dbatch=true} sums
 * the tokens in batch (prompt) order instead of lone order.
 * {@code -Dmapped=true} reads the weights from file mappings as they come from
 * {@code FileChannel.map}, the case {@code GGUFFile} turns into plain native segments.
 */
final class MultiplyRowsBench {
    private static final int[][] SHAPES = {{768, 2048}, {2048, 768}};
    private static final int[] TOKENS = System.getProperty("tokens") != null
            ? Arrays.stream(System.getProperty("tokens").split(",")).mapToInt(Integer::parseInt).toArray()
            : Boolean.getBoolean("fewTokens") ? new int[] {1, 4} : new int[] {1, 2, 3, 4, 8, 16};

    public static void main(String[] args) throws Exception {
        GGMLType[] types = args.length == 0 ? new GGMLType[] {GGMLType.F32, GGMLType.F16}
                : Arrays.stream(args).map(GGMLType::valueOf).toArray(GGMLType[]::new);
        int threads = Runtime.getRuntime().availableProcessors();
        for (GGMLType type : types) {
            for (int[] shape : SHAPES) {
                StringBuilder line = new StringBuilder(String.format("%-5s %4dx%-4d", type, shape[0], shape[1]));
                for (int tokens : TOKENS) {
                    line.append(String.format("  %2d tok %6.2f", tokens, run(type, shape[0], shape[1], tokens, threads)));
                }
                System.out.println(line.append("  Gelem/s"));
            }
        }
    }

    private static double run(GGMLType type, int rows, int n, int tokens, int threads) throws Exception {
        QuantFormat format = QuantFormat.of(type);
        GGMLType activationType = format.activationType();
        // copies of the matrix beyond the last-level cache (32 MiB here): weights come from memory, as in a model
        MemorySegment[] w = new MemorySegment[Boolean.getBoolean("inCache") ? 1 : (int) (96L << 20) / (int) (type.bytesFor(n) * rows) + 1];
        PackedMatrix[] packed = new PackedMatrix[w.length];
        for (int c = 0; c < w.length; c++) {
            w[c] = Boolean.getBoolean("mapped") ? mapped(randomRows(type, rows, n, 1 + c)) : randomRows(type, rows, n, 1 + c);
            // the repacked copy the model runs where the format has one
            packed[c] = PackedMatrix.of(new Tensor("w" + c, type, new long[] {n, rows}, w[c]));
            if (packed[c] != null) {
                packed[c].pack(0, packed[c].groups());
            }
        }
        MemorySegment a = randomRows(activationType, tokens, n, 0);
        MatrixInput x = new MatrixInput(activationType);
        x.set(a, activationType.bytesFor(n), n, tokens);
        boolean[] order = new boolean[tokens];
        Arrays.fill(order, Boolean.getBoolean("batch"));
        x.setSumOrder(order);
        x.prepareFor(type);
        float[] out = new float[rows * tokens];
        // about 0.1 s per pass at 10 Gelem/s; the best of the passes after the first (warm-up) counts,
        // which leaves out the time other processes on the machine took
        int iterations = (int) Math.max(20, 1e9 / ((double) rows * n * tokens));
        int passes = 6;
        CyclicBarrier barrier = new CyclicBarrier(threads);
        long[] elapsed = {Long.MAX_VALUE};
        Thread[] workers = new Thread[threads];
        for (int k = 0; k < threads; k++) {
            int start = rows * k / threads / 16 * 16;
            int end = k == threads - 1 ? rows : rows * (k + 1) / threads / 16 * 16;
            boolean timer = k == 0;
            workers[k] = new Thread(() -> {
                try {
                    for (int pass = 0; pass < passes; pass++) {
                        barrier.await();
                        long t0 = System.nanoTime();
                        for (int i = 0; i < iterations; i++) {
                            int c = i % w.length;
                            if (packed[c] != null) {
                                packed[c].multiplyRows(start, end, x, out, 0, rows);
                            } else {
                                format.multiplyRows(w[c], type.bytesFor(n), start, end, x, out, 0, rows);
                            }
                            barrier.await();
                        }
                        if (timer && pass > 0) {
                            elapsed[0] = Math.min(elapsed[0], System.nanoTime() - t0);
                        }
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            workers[k].start();
        }
        for (Thread t : workers) {
            t.join();
        }
        return (double) rows * n * tokens * iterations / elapsed[0];
    }

    /** A copy of {@code s} in a mapped temporary file. */
    private static MemorySegment mapped(MemorySegment s) throws java.io.IOException {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("bench", ".bin");
        f.toFile().deleteOnExit();
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            Arena arena = Arena.ofAuto();
            MemorySegment m = ch.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, s.byteSize(), arena);
            m.copyFrom(s);
            return m;
        }
    }

    /** Gaussian rows quantized to {@code type} in native memory, as a model's weights are. */
    private static MemorySegment randomRows(GGMLType type, int rows, int n, long seed) {
        return FormatTestSupport.quantizeRows(new SplittableRandom(seed), type, rows, n,
                Arena.ofAuto().allocate(type.bytesFor(n) * rows, 64));
    }
}
