package ignis.backend.device;

import ignis.tensor.GGMLType;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The kernels of a forward pass as typed calls: the one place that knows each kernel's name,
 * grid and argument order (cuda-kernels/*.cu), shared by every device backend and by the
 * conformance tests. Calls queue work on the device and return at once.
 */
public final class DeviceOps {
    /** Tokens one matmul group multiplies each weight chunk into (MATMUL_TOKENS in matmul.cu). */
    static final int MATMUL_TOKENS = 4;
    /**
     * From this many tokens on, matmul runs the tiled gemm_ kernels (gemm.cu), which dequantize each
     * weight once per GEMM_TILE_TOKENS tokens; below it a 32-token tile would be mostly idle and
     * matmul_'s one group per row spreads a GEMV-like product over more of the device.
     */
    static final int GEMM_MIN_TOKENS = 8;
    /** GEMM_TILE_ROWS, GEMM_TILE_TOKENS and GEMM_THREADS in gemm.cu. */
    static final int GEMM_TILE_ROWS = 64;
    static final int GEMM_TILE_TOKENS = 32;
    static final int GEMM_THREADS = 128;
    /**
     * Weight types gemm_mma.cu multiplies on tensor cores (its quant32_ forms are exact in fp16);
     * on a device with them ({@link Device#hasTensorCores}) their batches run there, with the
     * tile grid of gemm_.
     */
    public static final java.util.Set<GGMLType> TENSOR_CORE_TYPES = java.util.EnumSet.of(GGMLType.F16, GGMLType.Q8_0,
            GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K);
    /** Positions one flash-decoding split covers (at most ATTENTION_CHUNK in attention_decode.cu). */
    public static final int ATTENTION_CHUNK = 256;
    /** The largest head dimension the attention kernels take. */
    public static final int MAX_HEAD_DIM = 256;
    private static final int ELEMENTWISE_GROUP = 256;
    private static final int ROW_GROUP = 128;
    /** Weight types the matmul and embedding kernels read. */
    public static final java.util.Set<GGMLType> WEIGHT_TYPES = java.util.EnumSet.of(GGMLType.F32, GGMLType.F16,
            GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q4_K, GGMLType.Q5_K,
            GGMLType.Q6_K);

    private final Device device;
    private final Map<GGMLType, Kernel> matmul = new EnumMap<>(GGMLType.class);
    private final Map<GGMLType, Kernel> gemm = new EnumMap<>(GGMLType.class);
    private final Map<GGMLType, Kernel> gemmTensorCores = new EnumMap<>(GGMLType.class);
    private final Map<GGMLType, Kernel> embed = new EnumMap<>(GGMLType.class);
    private final Kernel rmsNorm;
    private final Kernel rope;
    private final Kernel ropeAt;
    private final Kernel kvStore;
    private final Kernel kvStorePaged;
    private final Kernel swiglu;
    private final Kernel addInto;
    private final Kernel attentionSplit;
    private final Kernel attentionMerge;
    private final Kernel attentionPrefill;
    private final Kernel attentionPagedSplit;
    private final Kernel attentionPagedMerge;
    private final Kernel argmax;

    public DeviceOps(Device device) {
        this.device = device;
        KernelLibrary k = device.kernels();
        for (GGMLType type : WEIGHT_TYPES) {
            String suffix = type.name().toLowerCase(Locale.ROOT);
            matmul.put(type, k.kernel("matmul_" + suffix));
            gemm.put(type, k.kernel("gemm_" + suffix));
            embed.put(type, k.kernel("embed_" + suffix));
            if (TENSOR_CORE_TYPES.contains(type)) {
                gemmTensorCores.put(type, k.kernel("gemm_mma_" + suffix));
            }
        }
        rmsNorm = k.kernel("rms_norm");
        rope = k.kernel("rope");
        ropeAt = k.kernel("rope_at");
        kvStore = k.kernel("kv_store");
        kvStorePaged = k.kernel("kv_store_paged");
        swiglu = k.kernel("swiglu");
        addInto = k.kernel("add_into");
        attentionSplit = k.kernel("attention_split");
        attentionMerge = k.kernel("attention_merge");
        attentionPrefill = k.kernel("attention_prefill");
        attentionPagedSplit = k.kernel("attention_paged_split");
        attentionPagedMerge = k.kernel("attention_paged_merge");
        argmax = k.kernel("argmax");
    }

    public Device device() {
        return device;
    }

    @Override
    public String toString() {
        return device.name();
    }

    /** {@code y[t][r] = sum_i w[r][i] x[t][i]}: weights of {@code type}, rows of {@code rowBytes}. */
    public void matmul(GGMLType type, DeviceBuffer w, long rowBytes, DeviceBuffer x, DeviceBuffer y,
                       int cols, int rows, int tokens) {
        if (tokens >= GEMM_MIN_TOKENS) {
            Map<GGMLType, Kernel> kernels = device.hasTensorCores() && TENSOR_CORE_TYPES.contains(type) ? gemmTensorCores : gemm;
            launchGemm(kernels, type, w, rowBytes, x, y, cols, rows, tokens);
            return;
        }
        device.launch(kernel(matmul, type, "matmul"), rows, ceilDiv(tokens, MATMUL_TOKENS), rowGroup(ceilDiv(cols, 32)),
                w, Math.toIntExact(rowBytes), x, y, cols, rows, tokens);
    }

    /**
     * {@link #matmul} of a batch through gemm_mma.cu whatever the device: on tensor cores where it
     * has them, emulated elsewhere (so the conformance tests check its fragment layout on OpenCL).
     */
    public void matmulTensorCores(GGMLType type, DeviceBuffer w, long rowBytes, DeviceBuffer x, DeviceBuffer y,
                                  int cols, int rows, int tokens) {
        launchGemm(gemmTensorCores, type, w, rowBytes, x, y, cols, rows, tokens);
    }

    private void launchGemm(Map<GGMLType, Kernel> kernels, GGMLType type, DeviceBuffer w, long rowBytes, DeviceBuffer x,
                            DeviceBuffer y, int cols, int rows, int tokens) {
        device.launch(kernel(kernels, type, "matmul"), ceilDiv(rows, GEMM_TILE_ROWS), ceilDiv(tokens, GEMM_TILE_TOKENS),
                GEMM_THREADS, w, Math.toIntExact(rowBytes), x, y, cols, rows, tokens);
    }

    /** {@code out[t] = table row tokens[t]}, dequantized to {@code dim} floats. */
    public void embed(GGMLType type, DeviceBuffer table, long rowBytes, DeviceBuffer tokenIds, DeviceBuffer out,
                      int dim, int tokens) {
        device.launch(kernel(embed, type, "embedding"), tokens, 1, rowGroup(ceilDiv(dim, 32)),
                table, Math.toIntExact(rowBytes), tokenIds, out, dim);
    }

    /** RMSNorm of rows {@code firstRow .. firstRow+rows-1} of {@code x} into rows 0.. of {@code out}. */
    public void rmsNorm(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer out, int dim, int firstRow, int rows, float eps) {
        device.launch(rmsNorm, rows, 1, rowGroup(dim), x, weight, out, dim, firstRow, eps);
    }

    /**
     * Rotates {@code tokens} rows of {@code heads} heads in place; {@code freqFactors} (Llama 3)
     * may be null, then any buffer stands in for the unused argument.
     */
    public void rope(DeviceBuffer v, int tokens, int heads, int headDim, int firstPosition, float thetaScale,
                     DeviceBuffer freqFactors) {
        device.launch(rope, tokens, heads, warpMultiple(headDim / 2), v, heads, headDim, firstPosition, thetaScale,
                freqFactors == null ? v : freqFactors, freqFactors == null ? 0 : 1);
    }

    /** {@link #rope} of a batched step's tokens, token {@code t} at position {@code step[t]} (see {@link #kvStorePaged}). */
    public void ropeAt(DeviceBuffer v, DeviceBuffer step, int tokens, int heads, int headDim, float thetaScale,
                       DeviceBuffer freqFactors) {
        device.launch(ropeAt, tokens, heads, warpMultiple(headDim / 2), v, step, heads, headDim, thetaScale,
                freqFactors == null ? v : freqFactors, freqFactors == null ? 0 : 1);
    }

    /**
     * Stores a batched step's {@code tokens} keys and values (fp16) in a block pool: {@code step}
     * holds the step's ints as cuda-kernels/paged_kv.h lays them out (positions, then where each
     * token's block table starts in {@code step}, then the tables).
     */
    public void kvStorePaged(DeviceBuffer k, DeviceBuffer v, DeviceBuffer kPool, DeviceBuffer vPool, int kvDim,
                             DeviceBuffer step, int tokens, int blockTokens) {
        device.launch(kvStorePaged, tokens, 1, rowGroup(kvDim), k, v, kPool, vPool, kvDim, step, tokens, blockTokens);
    }

    /** Stores {@code tokens} keys and values (fp16) at positions {@code firstPosition..}. */
    public void kvStore(DeviceBuffer k, DeviceBuffer v, DeviceBuffer kCache, DeviceBuffer vCache, int kvDim,
                        int firstPosition, int tokens) {
        device.launch(kvStore, tokens, 1, rowGroup(kvDim), k, v, kCache, vCache, kvDim, firstPosition);
    }

    public void swiglu(DeviceBuffer gate, DeviceBuffer up, int n) {
        device.launch(swiglu, ceilDiv(n, ELEMENTWISE_GROUP), 1, ELEMENTWISE_GROUP, gate, up, n);
    }

    public void addInto(DeviceBuffer x, DeviceBuffer y, int n) {
        device.launch(addInto, ceilDiv(n, ELEMENTWISE_GROUP), 1, ELEMENTWISE_GROUP, x, y, n);
    }

    /** Splits flash-decoding needs for {@code length} positions. */
    public static int attentionSplits(int length) {
        return ceilDiv(length, ATTENTION_CHUNK);
    }

    /**
     * Flash-decoding of one query token ({@code heads} heads) over {@code length} cached positions:
     * split kernel then merge. The partial buffers hold {@code heads * attentionSplits(length)}
     * entries ({@code partOut} times {@code headDim}).
     */
    public void attentionDecode(DeviceBuffer q, DeviceBuffer kCache, DeviceBuffer vCache, DeviceBuffer out,
                                DeviceBuffer partOut, DeviceBuffer partMax, DeviceBuffer partSum,
                                int heads, int headDim, int kvDim, int gqa, int length, float scale) {
        int splits = attentionSplits(length);
        device.launch(attentionSplit, heads, splits, 128, q, kCache, vCache, partOut, partMax, partSum,
                headDim, kvDim, gqa, length, ATTENTION_CHUNK, scale);
        device.launch(attentionMerge, heads, 1, warpMultiple(headDim), partOut, partMax, partSum, out, headDim, splits);
    }

    /**
     * Flash-decoding of the step's tokens {@code [firstToken, firstToken + count)} (of
     * {@code tokens}, laid out in {@code step} as for {@link #kvStorePaged}), each over its own
     * positions {@code 0..step[t]} through its block table, summed as {@link #attentionDecode}
     * sums a lone token. {@code maxSplits} is the most {@link #attentionSplits} of those tokens;
     * the partial buffers hold {@code count * heads * maxSplits} entries.
     */
    public void attentionPaged(DeviceBuffer q, DeviceBuffer kPool, DeviceBuffer vPool, DeviceBuffer out,
                               DeviceBuffer partOut, DeviceBuffer partMax, DeviceBuffer partSum,
                               DeviceBuffer step, int tokens, int blockTokens, int firstToken, int count, int maxSplits,
                               int heads, int headDim, int kvDim, int gqa, float scale) {
        device.launch(attentionPagedSplit, count * heads, maxSplits, 128, q, kPool, vPool, step, tokens, blockTokens, firstToken,
                partOut, partMax, partSum, heads, headDim, kvDim, gqa, ATTENTION_CHUNK, scale);
        device.launch(attentionPagedMerge, count * heads, 1, warpMultiple(headDim), partOut, partMax, partSum, out, step,
                heads, headDim, firstToken, maxSplits, ATTENTION_CHUNK);
    }

    /** Causal attention of {@code tokens} queries at positions {@code firstPosition..} (prefill). */
    public void attentionPrefill(DeviceBuffer q, DeviceBuffer kCache, DeviceBuffer vCache, DeviceBuffer out,
                                 int tokens, int heads, int headDim, int kvDim, int gqa, int firstPosition, float scale) {
        device.launch(attentionPrefill, heads, tokens, 128, q, kCache, vCache, out, heads, headDim, kvDim, gqa,
                firstPosition, scale);
    }

    /** {@code out[0]} = index of the largest of {@code n} logits (lowest on ties). */
    public void argmax(DeviceBuffer logits, int n, DeviceBuffer out) {
        device.launch(argmax, 1, 1, 256, logits, n, out);
    }

    private Kernel kernel(Map<GGMLType, Kernel> kernels, GGMLType type, String what) {
        Kernel k = kernels.get(type);
        if (k == null) {
            throw new DeviceException(device.name() + ": no " + what + " kernel for weight type " + type
                    + " (supported: " + kernels.keySet() + ")");
        }
        return k;
    }

    /** Threads for work over {@code items} items of a row: a multiple of 32, 32..ROW_GROUP. */
    private static int rowGroup(int items) {
        return Math.min(ROW_GROUP, warpMultiple(items));
    }

    private static int warpMultiple(int n) {
        return Math.max(32, ceilDiv(n, 32) * 32);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
