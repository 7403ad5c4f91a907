package ignis.backend.device;

import ignis.tensor.GGMLType;
import ignis.tensor.QuantFormat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Kernel microbenchmarks on one device: each case's time per launch and the bytes it must move,
 * as GB/s and as a share of the device's copy bandwidth measured in the same run. Inputs are
 * random (weights quantized from random rows), never zeros.
 */
public final class KernelBench {
    /** One measured case. {@code bytes}: what the kernel must read and write at least once. */
    public record Result(String kernel, String shape, double seconds, long bytes, double flops) {
        public double bytesPerSecond() {
            return bytes / seconds;
        }
    }

    /** The sizes to run: the (LLM decode sizes) or small ones for a quick check. */
    public enum Size { FULL, SMALL }

    private final DeviceOps ops;
    private final Device device;
    private final int launches;

    public KernelBench(DeviceOps ops, int launches) {
        this.ops = ops;
        this.device = ops.device();
        this.launches = launches;
    }

    /** The device's copy bandwidth, bytes per second. */
    public double bandwidth() {
        return DeviceBandwidth.measure(device, 1L << 30, 5);
    }

    /** Hears each case before it runs: its number (from 0), how many there are, its name. */
    public interface Progress {
        void at(int index, int total, String name);
    }

    private record Case(String name, Supplier<Result> run) {
    }

    /** Every case of {@code size}, in order. */
    public List<Result> run(Size size, Progress progress) {
        boolean full = size == Size.FULL;
        int[][] gemv = full ? new int[][] {{4096, 4096}, {4096, 14336}, {14336, 4096}} : new int[][] {{1024, 1024}, {1024, 2816}};
        GGMLType[] types = {GGMLType.Q4_0, GGMLType.Q8_0, GGMLType.Q4_K, GGMLType.Q6_K, GGMLType.F16, GGMLType.BF16};
        List<Case> cases = new ArrayList<>();
        for (GGMLType type : types) {
            for (int[] s : gemv) {
                cases.add(new Case("matmul " + type + " " + s[1] + "x" + s[0], () -> matmul(type, s[0], s[1], 1)));
            }
        }
        int prefillTokens = full ? 512 : 32;
        for (GGMLType type : new GGMLType[] {GGMLType.Q4_0, GGMLType.Q8_0}) {
            cases.add(new Case("matmul " + type + " x" + prefillTokens + " tokens", () -> matmul(type, gemv[0][0], gemv[0][1], prefillTokens)));
        }
        for (int context : full ? new int[] {4096, 8192, 16384, 32768} : new int[] {512, 2048}) {
            cases.add(new Case("flash-decoding " + context, () -> flashDecoding(32, 8, 128, context)));
        }
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            progress.at(i, cases.size(), cases.get(i).name());
            results.add(cases.get(i).run().get());
        }
        return results;
    }

    /** {@code tokens} rows of activations times a {@code rows x cols} matrix of {@code type}. */
    public Result matmul(GGMLType type, int cols, int rows, int tokens) {
        long rowBytes = type.bytesFor(cols);
        SplittableRandom r = new SplittableRandom(cols + rows);
        try (Arena arena = Arena.ofConfined();
             DeviceBuffer w = device.allocate(rowBytes * rows, "benchmark weights");
             DeviceBuffer x = DeviceWeights.uploaded(device, random(r, tokens * cols), "benchmark activations");
             DeviceBuffer y = device.allocate((long) tokens * rows * Float.BYTES, "benchmark output")) {
            device.upload(randomRows(type, cols, rows, r, arena), w, 0);
            double seconds = time(() -> ops.matmul(type, w, rowBytes, x, y, cols, rows, tokens));
            long bytes = rowBytes * rows + 4L * tokens * (cols + rows);
            String shape = rows + "x" + cols + (tokens > 1 ? " x" + tokens + " tokens" : "");
            return new Result("matmul_" + type.name().toLowerCase(java.util.Locale.ROOT), shape, seconds, bytes,
                    2.0 * rows * cols * tokens);
        }
    }

    /** Decode attention of one token over {@code context} cached positions (split + merge). */
    public Result flashDecoding(int heads, int kvHeads, int headDim, int context) {
        int kvDim = kvHeads * headDim;
        int parts = heads * DeviceOps.attentionSplits(context);
        SplittableRandom r = new SplittableRandom(context);
        float[] kv = random(r, kvDim * 256);
        try (DeviceBuffer q = DeviceWeights.uploaded(device, random(r, heads * headDim), "benchmark queries");
             DeviceBuffer k = DeviceWeights.uploaded(device, kv, "benchmark keys");
             DeviceBuffer kc = device.allocate((long) context * kvDim * 2, "benchmark key cache");
             DeviceBuffer vc = device.allocate((long) context * kvDim * 2, "benchmark value cache");
             DeviceBuffer out = device.allocate((long) heads * headDim * 4, "benchmark output");
             DeviceBuffer partOut = device.allocate((long) parts * headDim * 4, "benchmark partials");
             DeviceBuffer partMax = device.allocate((long) parts * 4, "benchmark maxima");
             DeviceBuffer partSum = device.allocate((long) parts * 4, "benchmark sums")) {
            for (int p = 0; p < context; p += 256) {
                ops.kvStore(k, k, kc, vc, kvDim, p, Math.min(256, context - p));
            }
            float scale = (float) (1 / Math.sqrt(headDim));
            double seconds = time(() -> ops.attentionDecode(q, kc, vc, out, partOut, partMax, partSum, heads, headDim, kvDim,
                    heads / kvHeads, context, scale));
            long bytes = 2L * context * kvDim * 2;
            return new Result("flash_decoding", heads + "/" + kvHeads + " heads x" + headDim + ", ctx " + context, seconds, bytes,
                    4.0 * heads * headDim * context);
        }
    }

    /**
     * Seconds per call of {@code launch} by the device's clock ({@link Device#timeOnDevice}): one
     * warm-up, then {@code launches} calls queued back to back, best of three.
     */
    private double time(Runnable launch) {
        launch.run();
        device.synchronize();
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 3; rep++) {
            double seconds = device.timeOnDevice(() -> {
                for (int i = 0; i < launches; i++) {
                    launch.run();
                }
            });
            best = Math.min(best, seconds / launches);
        }
        return best;
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextDouble(-1, 1);
        }
        return a;
    }

    /** Rows quantized from 64 random rows, repeated (quantizing millions of rows would take longer than the benchmark). */
    private static MemorySegment randomRows(GGMLType type, int cols, int rows, SplittableRandom r, Arena arena) {
        QuantFormat format = QuantFormat.of(type);
        long rowBytes = type.bytesFor(cols);
        MemorySegment m = arena.allocate(rowBytes * rows, 64);
        int distinct = Math.min(64, rows);
        for (int row = 0; row < distinct; row++) {
            format.quantize(random(r, cols), 0, m, row * rowBytes, cols);
        }
        for (int row = distinct; row < rows; row += distinct) {
            long n = Math.min(distinct, rows - row) * rowBytes;
            MemorySegment.copy(m, 0, m, row * rowBytes, n);
        }
        return m;
    }
}
