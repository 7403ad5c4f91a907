package ignis.backend.device;

import static ignis.backend.device.DeviceBuffers.floats;
import static ignis.backend.device.DeviceBuffers.ints;
import static ignis.backend.device.DeviceBuffers.poisoned;
import static ignis.backend.device.DeviceBuffers.readFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.backend.cpu.Rope;
import ignis.tensor.GGMLType;
import ignis.tensor.QuantFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kernel of {@link DeviceOps} on every device present (OpenCL on PoCL in CI, CUDA on a GPU
 * host) against a float64 reference on random inputs, outputs poisoned with NaN first, with
 * tolerances per precision (as llama.cpp's test-backend-ops). Without a device the tests skip and
 * say why ({@link TestDevices}).
 */
class KernelConformanceTest {

    // ---- matmul and embedding over every weight type ----

    static Stream<Arguments> matmulCases() {
        List<Arguments> cases = new ArrayList<>();
        for (DeviceOps ops : TestDevices.kernelOps()) {
            for (GGMLType type : DeviceOps.WEIGHT_TYPES) {
                boolean kQuant = type.blockSize == 256;
                boolean floatType = type.blockSize == 1;
                int[][] shapes = kQuant
                        ? new int[][] {{256, 7, 1}, {768, 67, 3}, {512, 33, 9}}
                        : new int[][] {{32, 7, 1}, {96, 67, 3}, {4096, 129, 1}, {256, 31, 9}};
                addShapes(cases, ops, type, shapes);
                if (floatType) {
                    cases.add(Arguments.of(ops, type, 8, 5, 2));
                    cases.add(Arguments.of(ops, type, 40, 3, 5));
                }
                // Tiled gemm_ (tokens >= DeviceOps.GEMM_MIN_TOKENS): rows and tokens off the
                // 64 x 32 tile, several K chunks, and for the float types a short last chunk.
                int[][] gemmShapes = kQuant
                        ? new int[][] {{256, 67, 8}, {768, 130, 33}, {256, 64, 64}, {768, 67, 64}}
                        : floatType
                        ? new int[][] {{96, 67, 8}, {4096, 130, 33}, {40, 67, 64}, {96, 130, 64}, {40, 5, 8}}
                        : new int[][] {{96, 67, 8}, {4096, 130, 33}, {64, 67, 64}, {96, 130, 64}};
                addShapes(cases, ops, type, gemmShapes);
            }
        }
        return cases.stream();
    }

    /** One case per {cols, rows, tokens} shape. */
    private static void addShapes(List<Arguments> cases, DeviceOps ops, GGMLType type, int[][] shapes) {
        for (int[] s : shapes) {
            cases.add(Arguments.of(ops, type, s[0], s[1], s[2]));
        }
    }

    @ParameterizedTest(name = "{0} {1} cols={2} rows={3} tokens={4}")
    @MethodSource("matmulCases")
    void matmulMatchesFloat64(DeviceOps ops, GGMLType type, int cols, int rows, int tokens) {
        checkMatmul(ops, type, cols, rows, tokens, ops::matmul);
    }

    /**
     * gemm_mma.cu on every device (emulated off CUDA): the tile edges as for gemm_, several K
     * chunks, F16's short last chunk, and the K-quants' per-half scales. It carries the weights
     * exactly and the activations to about 22 bits, so it meets the fp32 tolerance.
     */
    static Stream<Arguments> tensorCoreCases() {
        List<Arguments> cases = new ArrayList<>();
        for (DeviceOps ops : TestDevices.kernelOps()) {
            for (GGMLType type : DeviceOps.TENSOR_CORE_TYPES) {
                int[][] shapes = type.blockSize == 256
                        ? new int[][] {{256, 67, 8}, {768, 130, 33}}
                        : type.blockSize == 1
                        ? new int[][] {{96, 67, 8}, {40, 130, 33}, {8, 5, 9}}
                        : new int[][] {{96, 67, 8}, {1024, 130, 33}};
                addShapes(cases, ops, type, shapes);
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} cols={2} rows={3} tokens={4}")
    @MethodSource("tensorCoreCases")
    void tensorCoreMatmulMatchesFloat64(DeviceOps ops, GGMLType type, int cols, int rows, int tokens) {
        checkMatmul(ops, type, cols, rows, tokens, ops::matmulTensorCores);
    }

    /** A matmul kernel's arguments, as {@link DeviceOps#matmul} takes them. */
    interface MatmulLaunch {
        void run(GGMLType type, DeviceBuffer w, long rowBytes, DeviceBuffer x, DeviceBuffer y, int cols, int rows, int tokens);
    }

    private static void checkMatmul(DeviceOps ops, GGMLType type, int cols, int rows, int tokens, MatmulLaunch launch) {
        Device d = ops.device();
        SplittableRandom r = new SplittableRandom(cols * 31L + rows * 7L + tokens + type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            QuantFormat format = QuantFormat.of(type);
            long rowBytes = type.bytesFor(cols);
            MemorySegment weights = randomMatrix(format, cols, rows, r, arena);
            float[] w = new float[cols * rows];
            for (int row = 0; row < rows; row++) {
                format.dequantize(weights, row * rowBytes, w, row * cols, cols);
            }
            float[] x = random(r, tokens * cols, 1.0);
            try (DeviceBuffer wb = DeviceBuffers.bytes(d, weights, "weights");
                 DeviceBuffer xb = floats(d, x, "x");
                 DeviceBuffer yb = poisoned(d, tokens * rows, "y")) {
                launch.run(type, wb, rowBytes, xb, yb, cols, rows, tokens);
                float[] y = readFloats(d, yb, tokens * rows);
                for (int t = 0; t < tokens; t++) {
                    for (int row = 0; row < rows; row++) {
                        double ref = 0;
                        double magnitude = 0;
                        for (int i = 0; i < cols; i++) {
                            double p = (double) w[row * cols + i] * x[t * cols + i];
                            ref += p;
                            magnitude += Math.abs(p);
                        }
                        double got = y[t * rows + row];
                        assertTrue(Math.abs(got - ref) <= 2e-5 * magnitude + 1e-30,
                                type + " y[" + t + "][" + row + "] = " + got + ", float64 " + ref + " (sum |w x| " + magnitude + ")");
                    }
                }
            }
        }
    }

    static Stream<Arguments> embedCases() {
        List<Arguments> cases = new ArrayList<>();
        for (DeviceOps ops : TestDevices.kernelOps()) {
            for (GGMLType type : DeviceOps.WEIGHT_TYPES) {
                cases.add(Arguments.of(ops, type, type.blockSize == 256 ? 512 : 96));
                if (type.blockSize == 1) {
                    cases.add(Arguments.of(ops, type, 8));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} dim={2}")
    @MethodSource("embedCases")
    void embeddingRowsMatchTheFormatsDequantization(DeviceOps ops, GGMLType type, int dim) {
        Device d = ops.device();
        int vocab = 37;
        SplittableRandom r = new SplittableRandom(dim + type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            QuantFormat format = QuantFormat.of(type);
            long rowBytes = type.bytesFor(dim);
            MemorySegment table = randomMatrix(format, dim, vocab, r, arena);
            int[] tokens = {vocab - 1, 0, 5, 5, 17};
            try (DeviceBuffer tb = DeviceBuffers.bytes(d, table, "table");
                 DeviceBuffer ids = ints(d, tokens, "ids");
                 DeviceBuffer out = poisoned(d, tokens.length * dim, "out")) {
                ops.embed(type, tb, rowBytes, ids, out, dim, tokens.length);
                float[] got = readFloats(d, out, tokens.length * dim);
                float[] row = new float[dim];
                for (int t = 0; t < tokens.length; t++) {
                    format.dequantize(table, tokens[t] * rowBytes, row, 0, dim);
                    double scale = maxAbs(row, 0, dim);
                    for (int i = 0; i < dim; i++) {
                        // Equal up to a fused multiply-add the compiler may contract (d * q + m).
                        assertEquals(row[i], got[t * dim + i], 1e-6 * scale, type + " token " + tokens[t] + " value " + i);
                    }
                }
            }
        }
    }

    // ---- norms, RoPE, element-wise ----

    static Stream<Arguments> devices() {
        return TestDevices.kernelOps().stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void rmsNormMatchesFloat64(DeviceOps ops) {
        Device d = ops.device();
        SplittableRandom r = new SplittableRandom(3);
        for (int dim : new int[] {8, 100, 4096}) {
            int rows = 5;
            int first = 2;
            int used = 3;
            float eps = 1e-5f;
            float[] x = random(r, rows * dim, 3.0);
            float[] weight = random(r, dim, 2.0);
            try (DeviceBuffer xb = floats(d, x, "x"); DeviceBuffer wb = floats(d, weight, "w");
                 DeviceBuffer out = poisoned(d, used * dim, "out")) {
                ops.rmsNorm(xb, wb, out, dim, first, used, eps);
                float[] got = readFloats(d, out, used * dim);
                for (int row = 0; row < used; row++) {
                    int base = (first + row) * dim;
                    double ss = 0;
                    for (int i = 0; i < dim; i++) {
                        ss += (double) x[base + i] * x[base + i];
                    }
                    double scale = 1 / Math.sqrt(ss / dim + eps);
                    for (int i = 0; i < dim; i++) {
                        double ref = x[base + i] * scale * weight[i];
                        assertEquals(ref, got[row * dim + i], 1e-5 * (Math.abs(ref) + 1e-3), "dim " + dim + " row " + row + " [" + i + "]");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void ropeMatchesFloat64Rotation(DeviceOps ops) {
        Device d = ops.device();
        SplittableRandom r = new SplittableRandom(4);
        for (boolean factors : new boolean[] {false, true}) {
            int heads = 3;
            int headDim = 128;
            int tokens = 4;
            int first = 31997;
            float thetaScale = Rope.thetaScale(headDim, 500000f);
            float[] freq = new float[headDim / 2];
            for (int i = 0; i < freq.length; i++) {
                freq[i] = (float) (1 + r.nextDouble() * 31);
            }
            float[] v = random(r, tokens * heads * headDim, 2.0);
            try (DeviceBuffer vb = floats(d, v, "v"); DeviceBuffer fb = floats(d, freq, "factors")) {
                ops.rope(vb, tokens, heads, headDim, first, thetaScale, factors ? fb : null);
                float[] got = readFloats(d, vb, v.length);
                for (int t = 0; t < tokens; t++) {
                    for (int i = 0; i < headDim / 2; i++) {
                        // The angle as the kernel (and ggml) builds it, in float; the rotation in double.
                        float theta = first + t;
                        for (int k = 0; k < i; k++) {
                            theta *= thetaScale;
                        }
                        if (factors) {
                            theta /= freq[i];
                        }
                        for (int h = 0; h < heads; h++) {
                            int at = (t * heads + h) * headDim + 2 * i;
                            double x0 = v[at];
                            double x1 = v[at + 1];
                            double tol = 2e-6 * (Math.abs(x0) + Math.abs(x1)) * Math.max(1, Math.abs(theta) / 1000);
                            assertEquals(x0 * Math.cos(theta) - x1 * Math.sin(theta), got[at], tol, "pair " + i + " token " + t);
                            assertEquals(x0 * Math.sin(theta) + x1 * Math.cos(theta), got[at + 1], tol, "pair " + i + " token " + t);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void swigluAndResidualAddMatchFloat64(DeviceOps ops) {
        Device d = ops.device();
        SplittableRandom r = new SplittableRandom(5);
        int n = 1000;
        float[] gate = random(r, n, 8.0);
        float[] up = random(r, n, 2.0);
        try (DeviceBuffer g = floats(d, gate, "gate"); DeviceBuffer u = floats(d, up, "up")) {
            ops.swiglu(g, u, n);
            float[] got = readFloats(d, g, n);
            for (int i = 0; i < n; i++) {
                double ref = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                assertEquals(ref, got[i], 1e-6 * (Math.abs(ref) + 1e-3), "swiglu [" + i + "]");
            }
            ops.addInto(g, u, n - 3);
            float[] sum = readFloats(d, g, n);
            for (int i = 0; i < n; i++) {
                float expected = i < n - 3 ? got[i] + up[i] : got[i];
                assertEquals(expected, sum[i], 0.0f, "add [" + i + "]");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void argmaxPicksTheLowestIndexOfTheMaximum(DeviceOps ops) {
        Device d = ops.device();
        SplittableRandom r = new SplittableRandom(6);
        for (int n : new int[] {7, 32000, 128256}) {
            float[] logits = random(r, n, 10.0);
            int first = r.nextInt(n - 1);
            int second = first + 1 + r.nextInt(n - first - 1);
            logits[first] = 50f;
            logits[second] = 50f;
            try (DeviceBuffer lb = floats(d, logits, "logits"); DeviceBuffer out = ints(d, new int[] {-7}, "out")) {
                ops.argmax(lb, n, out);
                assertEquals(first, DeviceBuffers.readInts(d, out, 1)[0], "argmax of " + n);
            }
        }
    }

    // ---- KV cache and attention ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void kvStoreRoundsToHalfAtThePositions(DeviceOps ops) {
        Device d = ops.device();
        SplittableRandom r = new SplittableRandom(8);
        int kvDim = 96;
        int capacity = 10;
        int first = 6;
        int tokens = 3;
        float[] k = random(r, tokens * kvDim, 4.0);
        float[] v = random(r, tokens * kvDim, 4.0);
        try (DeviceBuffer kb = floats(d, k, "k"); DeviceBuffer vb = floats(d, v, "v");
             DeviceBuffer kc = poisoned(d, capacity * kvDim / 2, "k cache"); DeviceBuffer vc = poisoned(d, capacity * kvDim / 2, "v cache")) {
            ops.kvStore(kb, vb, kc, vc, kvDim, first, tokens);
            short[] keys = DeviceBuffers.readShorts(d, kc, capacity * kvDim);
            short[] values = DeviceBuffers.readShorts(d, vc, capacity * kvDim);
            for (int t = 0; t < tokens; t++) {
                for (int i = 0; i < kvDim; i++) {
                    int at = (first + t) * kvDim + i;
                    assertEquals(Float.floatToFloat16(k[t * kvDim + i]), keys[at], "key " + t + "," + i);
                    assertEquals(Float.floatToFloat16(v[t * kvDim + i]), values[at], "value " + t + "," + i);
                }
            }
            // Positions before first untouched (still the NaN pattern).
            assertEquals((short) 0x7fc0, keys[first * kvDim - 1]);
        }
    }

    /** (heads, kv heads, head dim, cached positions): one split, split edges, GQA, up to 32k. */
    static Stream<Arguments> decodeAttentionCases() {
        int[][] shapes = {{4, 4, 64, 1}, {4, 2, 64, 7}, {8, 2, 64, 256}, {8, 2, 64, 257}, {32, 8, 128, 1000},
                {8, 2, 64, 4097}, {8, 1, 128, 32768}};
        List<Arguments> cases = new ArrayList<>();
        for (DeviceOps ops : TestDevices.kernelOps()) {
            for (int[] s : shapes) {
                cases.add(Arguments.of(ops, s[0], s[1], s[2], s[3]));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} heads={1} kv={2} dim={3} length={4}")
    @MethodSource("decodeAttentionCases")
    void flashDecodingMatchesFloat64Softmax(DeviceOps ops, int heads, int kvHeads, int headDim, int length) {
        Device d = ops.device();
        SplittableRandom r = new SplittableRandom(length * 13L + heads);
        int kvDim = kvHeads * headDim;
        float[] q = random(r, heads * headDim, 3.0);
        float[] k = random(r, length * kvDim, 1.0);
        float[] v = random(r, length * kvDim, 1.0);
        float scale = (float) (1 / Math.sqrt(headDim));
        int parts = heads * DeviceOps.attentionSplits(length);
        try (DeviceBuffer qb = floats(d, q, "q"); DeviceBuffer kb = floats(d, k, "k"); DeviceBuffer vb = floats(d, v, "v");
             DeviceBuffer kc = d.allocate((long) length * kvDim * 2, "k cache");
             DeviceBuffer vc = d.allocate((long) length * kvDim * 2, "v cache");
             DeviceBuffer out = poisoned(d, heads * headDim, "out");
             DeviceBuffer partOut = poisoned(d, parts * headDim, "partials");
             DeviceBuffer partMax = poisoned(d, parts, "maxima");
             DeviceBuffer partSum = poisoned(d, parts, "sums")) {
            ops.kvStore(kb, vb, kc, vc, kvDim, 0, length);
            ops.attentionDecode(qb, kc, vc, out, partOut, partMax, partSum, heads, headDim, kvDim, heads / kvHeads, length, scale);
            float[] got = readFloats(d, out, heads * headDim);
            for (int h = 0; h < heads; h++) {
                double[] ref = referenceAttention(q, h * headDim, k, v, (h / (heads / kvHeads)) * headDim, kvDim, headDim, length, scale);
                for (int i = 0; i < headDim; i++) {
                    assertEquals(ref[i], got[h * headDim + i], 1e-4, "head " + h + " [" + i + "] of length " + length);
                }
            }
        }
    }

    /** (heads, kv heads, head dim, cached positions before, tokens). */
    static Stream<Arguments> prefillAttentionCases() {
        int[][] shapes = {{4, 2, 64, 0, 2}, {4, 2, 64, 37, 5}, {4, 4, 64, 0, 130}, {32, 8, 128, 300, 9}, {2, 1, 256, 3, 4}};
        List<Arguments> cases = new ArrayList<>();
        for (DeviceOps ops : TestDevices.kernelOps()) {
            for (int[] s : shapes) {
                cases.add(Arguments.of(ops, s[0], s[1], s[2], s[3], s[4]));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} heads={1} kv={2} dim={3} first={4} tokens={5}")
    @MethodSource("prefillAttentionCases")
    void prefillAttentionIsCausalAndMatchesFloat64(DeviceOps ops, int heads, int kvHeads, int headDim, int first, int tokens) {
        Device d = ops.device();
        SplittableRandom r = new SplittableRandom(first * 17L + tokens);
        int kvDim = kvHeads * headDim;
        int length = first + tokens;
        int queryDim = heads * headDim;
        float[] q = random(r, tokens * queryDim, 3.0);
        float[] k = random(r, length * kvDim, 1.0);
        float[] v = random(r, length * kvDim, 1.0);
        float scale = (float) (1 / Math.sqrt(headDim));
        try (DeviceBuffer qb = floats(d, q, "q"); DeviceBuffer kb = floats(d, k, "k"); DeviceBuffer vb = floats(d, v, "v");
             DeviceBuffer kc = d.allocate((long) length * kvDim * 2, "k cache");
             DeviceBuffer vc = d.allocate((long) length * kvDim * 2, "v cache");
             DeviceBuffer out = poisoned(d, tokens * queryDim, "out")) {
            ops.kvStore(kb, vb, kc, vc, kvDim, 0, length);
            ops.attentionPrefill(qb, kc, vc, out, tokens, heads, headDim, kvDim, heads / kvHeads, first, scale);
            float[] got = readFloats(d, out, tokens * queryDim);
            for (int t = 0; t < tokens; t++) {
                for (int h = 0; h < heads; h++) {
                    double[] ref = referenceAttention(q, t * queryDim + h * headDim, k, v, (h / (heads / kvHeads)) * headDim, kvDim,
                            headDim, first + t + 1, scale);
                    for (int i = 0; i < headDim; i++) {
                        assertEquals(ref[i], got[t * queryDim + h * headDim + i], 1e-4, "token " + t + " head " + h + " [" + i + "]");
                    }
                }
            }
        }
    }

    /** Softmax attention in float64 over the fp16-rounded keys and values of positions 0..length-1. */
    static double[] referenceAttention(float[] q, int qOffset, float[] k, float[] v, int kvOffset, int kvDim, int headDim,
                                       int length, float scale) {
        double[] scores = new double[length];
        double max = Double.NEGATIVE_INFINITY;
        for (int p = 0; p < length; p++) {
            double dot = 0;
            for (int i = 0; i < headDim; i++) {
                dot += (double) q[qOffset + i] * half(k[p * kvDim + kvOffset + i]);
            }
            scores[p] = dot * scale;
            max = Math.max(max, scores[p]);
        }
        double sum = 0;
        for (int p = 0; p < length; p++) {
            scores[p] = Math.exp(scores[p] - max);
            sum += scores[p];
        }
        double[] out = new double[headDim];
        for (int p = 0; p < length; p++) {
            for (int i = 0; i < headDim; i++) {
                out[i] += scores[p] / sum * half(v[p * kvDim + kvOffset + i]);
            }
        }
        return out;
    }

    // ---- inputs ----

    private static double half(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    static float[] random(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble(-1, 1) * scale);
        }
        return a;
    }

    private static double maxAbs(float[] a, int from, int n) {
        double m = 0;
        for (int i = from; i < from + n; i++) {
            m = Math.max(m, Math.abs(a[i]));
        }
        return m;
    }

    /** Rows of random values quantized to {@code format}, each row with its own magnitude. */
    static MemorySegment randomMatrix(QuantFormat format, int cols, int rows, SplittableRandom r, Arena arena) {
        long rowBytes = format.type().bytesFor(cols);
        MemorySegment m = arena.allocate(rowBytes * rows, 16);
        for (int row = 0; row < rows; row++) {
            format.quantize(random(r, cols, 0.1 + r.nextDouble() * 2), 0, m, row * rowBytes, cols);
        }
        return m;
    }
}
