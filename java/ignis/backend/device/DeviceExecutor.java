package ignis.backend.device;

import ignis.IgnisException;
import ignis.backend.BatchExecutor;
import ignis.backend.BatchStep;
import ignis.backend.ExecutorOptions;
import ignis.backend.KvCache;
import ignis.backend.ModelExecutor;
import ignis.backend.PagedKv;
import ignis.backend.ChunkedPass;
import ignis.backend.PrefillChecks;
import ignis.backend.cpu.Rope;
import ignis.model.LlamaConfig;
import ignis.model.LlamaModel;
import ignis.model.LlamaWeights;
import ignis.model.LoadListener;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The llama forward pass on a {@link Device}: weights and KV cache resident in device memory, a
 * step a fixed sequence of kernel launches ({@link DeviceOps}). Only token ids go up and only
 * logits (or, for greedy decoding, the chosen token id) come back. Activations are float32; the
 * matrix kernels multiply them with the weights dequantized on the fly, so results differ from
 * the CPU backend's (which quantizes activations as llama.cpp does) within the conformance
 * tolerances.
 *
 * <p>The device part of a {@link HybridExecutor} is an executor of the last blocks
 * {@code [firstLayer, layers)} and the output head only: its input is a hidden state uploaded
 * from the host ({@link #uploadHidden}), its caches hold only its blocks, and it uploads only the
 * weights it multiplies with.
 *
 * <p>A lone decode token's step ({@link #decode}, {@link #decodeArgmax}) is recorded once per
 * cache and replayed ({@link Device#record}: a CUDA graph on CUDA): its launches read the token id
 * and its position from device memory, uploaded before each replay, and run attention over the
 * whole capacity's splits (those past the position are empty), so every step is the same list.
 */
public final class DeviceExecutor implements ModelExecutor, ChunkedPass, BatchExecutor {
    /**
     * Flash-decoding partial outputs a batched step's attention may use at once (bytes): a step's
     * tokens are attended in slices that fit, as a long prompt chunk far into a sequence needs
     * tokens x heads x splits partials.
     */
    private static final long PAGED_PARTIALS_BYTES = 64L << 20;
    private final Device device;
    private final boolean ownsDevice;
    private final DeviceOps ops;
    private final LlamaConfig c;
    /** The first block this executor runs (0 for the whole model); it runs blocks {@code [firstLayer, layers)}. */
    private final int firstLayer;
    private final int batch;
    private final float thetaScale;
    private final float attentionScale;
    private final DeviceWeights w;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment hostTokens;
    private final MemorySegment hostArgmax;
    /** Staging for {@link #uploadHidden}: batch * dim floats, for a part only (else null). */
    private final MemorySegment hostHidden;
    private MemorySegment hostLogits;

    private final DeviceBuffer tokenIds;
    private final DeviceBuffer x;
    private final DeviceBuffer xb;
    private final DeviceBuffer q;
    private final DeviceBuffer k;
    private final DeviceBuffer v;
    private final DeviceBuffer attended;
    private final DeviceBuffer projected;
    private final DeviceBuffer gate;
    private final DeviceBuffer up;
    private final DeviceBuffer argmaxOut;
    /** A recorded decode step's ints: its position, then 2 (where paged_kv.h's table would start). */
    private final DeviceBuffer decodePosition;
    private final MemorySegment hostDecodePosition;
    /** Bumped whenever a buffer a recorded step uses is replaced, which makes the recordings stale. */
    private int buffersVersion;
    private final java.util.List<DeviceBuffer> scratch = new java.util.ArrayList<>();
    private final java.util.List<DeviceKvCache> caches = new java.util.ArrayList<>();
    private final java.util.List<DevicePagedKv> pools = new java.util.ArrayList<>();
    private final DeviceStepInts stepInts;
    /** Logits of up to {@link #logitRows} tokens. */
    private DeviceBuffer logits;
    private int logitRows;
    /** Flash-decoding partials for contexts up to {@link #partialsCapacity} positions. */
    private DeviceBuffer partOut;
    private DeviceBuffer partMax;
    private DeviceBuffer partSum;
    /** Entries (head x split pairs) the partials hold. */
    private long partialsEntries;

    /**
     * Uploads {@code model} to the device of {@code ops}. With {@code ownsDevice} closing the
     * executor closes the device too (a backend's executor); otherwise only what it allocated.
     */
    public DeviceExecutor(DeviceOps ops, LlamaModel model, ExecutorOptions options, LoadListener listener, boolean ownsDevice) {
        this(ops, model, options, listener, ownsDevice, 0);
    }

    /**
     * The executor of blocks {@code [firstLayer, layers)} and the output head, as above; for
     * {@code firstLayer > 0} the device part of a {@link HybridExecutor}, which runs it with
     * {@link #uploadHidden}, {@link #forwardBlocks} and {@link #outputLogits}.
     */
    DeviceExecutor(DeviceOps ops, LlamaModel model, ExecutorOptions options, LoadListener listener, boolean ownsDevice, int firstLayer) {
        this.device = ops.device();
        this.ownsDevice = ownsDevice;
        this.c = model.config();
        if (firstLayer < 0 || firstLayer > c.layers()) {
            throw new IllegalArgumentException("first device block " + firstLayer + " of a model of " + c.layers());
        }
        this.firstLayer = firstLayer;
        if (c.headDim() > DeviceOps.MAX_HEAD_DIM) {
            throw new IgnisException(device.name() + ": head dimension " + c.headDim() + " exceeds the attention kernels' "
                    + DeviceOps.MAX_HEAD_DIM);
        }
        this.ops = ops;
        this.batch = options.maxBatchTokens();
        this.thetaScale = Rope.thetaScale(c.headDim(), c.ropeBase());
        this.attentionScale = (float) (1.0 / Math.sqrt(c.headDim()));
        this.w = new DeviceWeights(device, firstLayer == 0 ? model.weights() : lastBlocks(model.weights(), firstLayer), listener);
        try {
            tokenIds = activations(batch, 1, "token ids");
            x = activations(batch, c.dim(), "hidden state");
            xb = activations(batch, c.dim(), "normalised hidden state");
            q = activations(batch, c.queryDim(), "queries");
            k = activations(batch, c.kvDim(), "keys");
            v = activations(batch, c.kvDim(), "values");
            attended = activations(batch, c.queryDim(), "attention output");
            projected = activations(batch, c.dim(), "projection output");
            gate = activations(batch, c.ffn(), "feed-forward gate");
            up = activations(batch, c.ffn(), "feed-forward up");
            argmaxOut = activations(1, 1, "sampled token");
            decodePosition = activations(2, 1, "decode step position");
            ensureLogits(1);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        hostTokens = arena.allocate((long) batch * Integer.BYTES, 16);
        hostArgmax = arena.allocate(Integer.BYTES, 16);
        hostDecodePosition = arena.allocate(2L * Integer.BYTES, 16);
        hostHidden = firstLayer == 0 ? null : arena.allocate((long) batch * c.dim() * Float.BYTES, 16);
        stepInts = new DeviceStepInts(device);
    }

    /**
     * The weights a part of blocks {@code [first, layers)} uploads: those blocks' and the output
     * head's. It never embeds a token (the host does), so the output projection stands in for the
     * embedding table, which {@link DeviceWeights} then uploads once for both (as for a tied one).
     */
    private static LlamaWeights lastBlocks(LlamaWeights all, int first) {
        return new LlamaWeights(all.output(), java.util.Arrays.copyOfRange(all.layers(), first, all.layers().length), all.outputNorm(),
                all.output(), all.ropeFreqFactors());
    }

    public Device device() {
        return device;
    }

    @Override
    public LlamaConfig config() {
        return c;
    }

    @Override
    public KvCache newCache(int contextLength) {
        if (contextLength < 1) {
            throw new IgnisException("context length must be >= 1, got " + contextLength);
        }
        DeviceKvCache cache = new DeviceKvCache(device, c.layers() - firstLayer, contextLength, c.kvDim());
        try {
            ensurePartials((long) c.heads() * DeviceOps.attentionSplits(contextLength));
        } catch (RuntimeException e) {
            cache.free();
            throw e;
        }
        caches.add(cache);
        return cache;
    }

    @Override
    public long kvBytesPerBlock(int blockTokens) {
        return DevicePagedKv.bytesPerBlock(c.layers() - firstLayer, blockTokens, c.kvDim());
    }

    @Override
    public PagedKv newPagedKv(int blocks, int blockTokens) {
        if (blocks < 1 || blockTokens < 1) {
            throw new IgnisException("a KV pool needs >= 1 block of >= 1 position, got " + blocks + " blocks of " + blockTokens);
        }
        DevicePagedKv pool = new DevicePagedKv(device, c.layers() - firstLayer, blocks, blockTokens, c.kvDim());
        pools.add(pool);
        return pool;
    }

    @Override
    public int maxStepTokens() {
        return batch;
    }

    /**
     * The step's tokens through every block at once: matrices by token count as a prefill chunk
     * (gemm from {@link DeviceOps#GEMM_MIN_TOKENS} tokens on, so a token's sums may depend on the
     * step's size by float rounding), attention per token as a lone decode token through its table.
     */
    @Override
    public void forwardBatch(PagedKv pool, BatchStep step, float[] out) {
        requireWholeModel();
        int n = step.tokens();
        if (n > batch) {
            throw new IllegalArgumentException("a step of " + n + " tokens exceeds the executor's batch of " + batch);
        }
        if (n == 0) {
            return; // an empty grid is an error on OpenCL
        }
        DevicePagedKv kv = (DevicePagedKv) pool;
        embed(step.token, 0, n);
        stepInts.upload(step, kv.blockTokens());
        forwardBlocks(null, kv, n);
        int rows = step.logitCount();
        if (rows == 0) {
            return;
        }
        long rowBytes = (long) c.dim() * Float.BYTES;
        for (int i = 0; i < rows; i++) { // gather the logit tokens' hidden states
            device.copy(x, step.logitTokens[i] * rowBytes, projected, i * rowBytes, rowBytes);
        }
        outputLogits(projected, 0, rows);
        downloadLogits(rows, out, 0);
    }

    @Override
    public void prefill(KvCache cache, int[] tokens, int offset, int count, float[] out) {
        requireWholeModel();
        ChunkedPass.prefill(this, c, batch, cache, tokens, offset, count, out);
    }

    @Override
    public void forwardChunk(KvCache cache, int[] tokens, int offset, int n) {
        requireWholeModel();
        DeviceKvCache kv = (DeviceKvCache) cache;
        embed(tokens, offset, n);
        forwardBlocks(kv, n);
        kv.advance(n);
    }

    @Override
    public void decode(KvCache cache, int token, float[] out) {
        decodeStep((DeviceKvCache) cache, token, out);
        downloadLogits(1, out, 0);
    }

    @Override
    public int decodeArgmax(KvCache cache, int token, float[] unused) {
        decodeStep((DeviceKvCache) cache, token, unused);
        return argmaxOfLogits();
    }

    /** One token through the model into {@link #logits}, by the cache's recorded step (see the class comment). */
    private void decodeStep(DeviceKvCache kv, int token, float[] out) {
        requireWholeModel();
        PrefillChecks.check(c, kv, new int[] {token}, 0, 1, out);
        hostTokens.set(ValueLayout.JAVA_INT, 0, token);
        device.upload(hostTokens.asSlice(0, Integer.BYTES), tokenIds, 0);
        hostDecodePosition.set(ValueLayout.JAVA_INT, 0, kv.length());
        hostDecodePosition.set(ValueLayout.JAVA_INT, Integer.BYTES, 2);
        device.upload(hostDecodePosition, decodePosition, 0);
        if (kv.decodeStep == null || kv.decodeStepVersion != buffersVersion) {
            if (kv.decodeStep != null) {
                kv.decodeStep.close();
            }
            int splits = DeviceOps.attentionSplits(kv.capacity());
            kv.decodeStep = device.record(() -> {
                ops.embed(w.embedding.type(), w.embedding.data(), w.embedding.rowBytes(), tokenIds, x, c.dim(), 1);
                forwardBlocks(1, (layer, n) -> attendAtDevicePosition(kv, layer, splits));
                outputLogits(x, 0, 1);
            });
            kv.decodeStepVersion = buffersVersion;
        }
        kv.decodeStep.replay();
        kv.advance(1);
    }

    private void requireWholeModel() {
        if (firstLayer != 0) {
            throw new IllegalStateException("an executor of blocks [" + firstLayer + ", " + c.layers() + ") runs only part of a pass");
        }
    }

    /** The embeddings of {@code n} tokens from {@code tokens[offset]} into the hidden state. */
    private void embed(int[] tokens, int offset, int n) {
        MemorySegment.copy(tokens, offset, hostTokens, ValueLayout.JAVA_INT, 0, n);
        device.upload(hostTokens.asSlice(0, (long) n * Integer.BYTES), tokenIds, 0);
        ops.embed(w.embedding.type(), w.embedding.data(), w.embedding.rowBytes(), tokenIds, x, c.dim(), n);
    }

    /** A part's input: the hidden state of {@code n} tokens ({@code n * dim} floats of {@code hidden}) up to the device. */
    void uploadHidden(float[] hidden, int n) {
        long floats = (long) n * c.dim();
        MemorySegment.copy(hidden, 0, hostHidden, ValueLayout.JAVA_FLOAT, 0, Math.toIntExact(floats));
        device.upload(hostHidden.asSlice(0, floats * Float.BYTES), x, 0);
    }

    /**
     * Runs the {@code n} tokens of the hidden state, at positions {@code cache.length()} on, through
     * this executor's blocks, storing their keys and values in {@code cache}; the caller advances it.
     */
    void forwardBlocks(DeviceKvCache kv, int n) {
        forwardBlocks(kv, null, n);
    }

    /** The blocks over one sequence's {@code cache} (tokens from its length on) or, without one, a batched step's {@code pool}. */
    private void forwardBlocks(DeviceKvCache cache, DevicePagedKv pool, int n) {
        forwardBlocks(n, cache != null ? (layer, tokens) -> attendCached(cache, layer, tokens)
                : (layer, tokens) -> attendPaged(pool, layer, tokens));
    }

    /** A layer's RoPE, KV store and attention of the step's {@code n} tokens (q, k, v in, attended out). */
    private interface Attention {
        void attend(int layer, int n);
    }

    private void forwardBlocks(int n, Attention attention) {
        int dim = c.dim();
        for (int layer = 0; layer < w.layers.length; layer++) { // cache layer and weights' index: block firstLayer + layer
            DeviceWeights.Layer lw = w.layers[layer];
            ops.rmsNorm(x, lw.attentionNorm(), xb, dim, 0, n, c.rmsEps());
            matmul(lw.wq(), xb, q, n);
            matmul(lw.wk(), xb, k, n);
            matmul(lw.wv(), xb, v, n);
            attention.attend(layer, n);
            matmul(lw.wo(), attended, projected, n);
            ops.addInto(x, projected, n * dim);
            ops.rmsNorm(x, lw.ffnNorm(), xb, dim, 0, n, c.rmsEps());
            matmul(lw.wGate(), xb, gate, n);
            matmul(lw.wUp(), xb, up, n);
            ops.swiglu(gate, up, n * c.ffn());
            matmul(lw.wDown(), gate, projected, n);
            ops.addInto(x, projected, n * dim);
        }
    }

    /** RoPE, KV store and attention of {@code n} tokens of one sequence from its cache's length on. */
    private void attendCached(DeviceKvCache kv, int layer, int n) {
        int first = kv.length();
        ops.rope(q, n, c.heads(), c.headDim(), first, thetaScale, w.ropeFreqFactors);
        ops.rope(k, n, c.kvHeads(), c.headDim(), first, thetaScale, w.ropeFreqFactors);
        ops.kvStore(k, v, kv.keys[layer], kv.values[layer], c.kvDim(), first, n);
        if (n == 1) {
            ops.attentionDecode(q, kv.keys[layer], kv.values[layer], attended, partOut, partMax, partSum,
                    c.heads(), c.headDim(), c.kvDim(), c.groupSize(), first + 1, attentionScale);
        } else {
            ops.attentionPrefill(q, kv.keys[layer], kv.values[layer], attended, n, c.heads(), c.headDim(), c.kvDim(),
                    c.groupSize(), first, attentionScale);
        }
    }

    /** The same for the {@code n} tokens of the step in {@link #stepInts}, each at its position through its block table. */
    private void attendPaged(DevicePagedKv kv, int layer, int n) {
        DeviceBuffer s = stepInts.buffer();
        int bt = kv.blockTokens();
        ops.ropeAt(q, s, n, c.heads(), c.headDim(), thetaScale, w.ropeFreqFactors);
        ops.ropeAt(k, s, n, c.kvHeads(), c.headDim(), thetaScale, w.ropeFreqFactors);
        ops.kvStorePaged(k, v, kv.keys[layer], kv.values[layer], c.kvDim(), s, n, bt);
        long perToken = (long) c.heads() * stepInts.maxSplits;
        int slice = (int) Math.max(1, Math.min(n, PAGED_PARTIALS_BYTES / (perToken * c.headDim() * Float.BYTES)));
        ensurePartials(slice * perToken);
        for (int first = 0; first < n; first += slice) {
            ops.attentionPaged(q, kv.keys[layer], kv.values[layer], attended, partOut, partMax, partSum, s, n, bt, first,
                    Math.min(slice, n - first), stepInts.maxSplits, c.heads(), c.headDim(), c.kvDim(), c.groupSize(),
                    attentionScale);
        }
    }

    /**
     * A recorded decode step's attention: one token at the position in {@link #decodePosition},
     * through the paged kernels over the contiguous cache (block size 0, see paged_kv.h), attended
     * over {@code splits} splits whatever its position.
     */
    private void attendAtDevicePosition(DeviceKvCache kv, int layer, int splits) {
        ops.ropeAt(q, decodePosition, 1, c.heads(), c.headDim(), thetaScale, w.ropeFreqFactors);
        ops.ropeAt(k, decodePosition, 1, c.kvHeads(), c.headDim(), thetaScale, w.ropeFreqFactors);
        ops.kvStorePaged(k, v, kv.keys[layer], kv.values[layer], c.kvDim(), decodePosition, 1, 0);
        ops.attentionPaged(q, kv.keys[layer], kv.values[layer], attended, partOut, partMax, partSum, decodePosition, 1, 0, 0,
                1, splits, c.heads(), c.headDim(), c.kvDim(), c.groupSize(), attentionScale);
    }

    /** The logits of tokens {@code [first, first+n)} of the hidden state into {@code out} from {@code outOffset} on. */
    @Override
    public void outputLogits(int first, int n, float[] out, int outOffset) {
        outputLogits(x, first, n);
        downloadLogits(n, out, outOffset);
    }

    /** The id of the largest logit of token 0 of the hidden state, found on the device. */
    int outputArgmax() {
        outputLogits(x, 0, 1);
        return argmaxOfLogits();
    }

    /** The id of the largest of row 0 of {@link #logits}, found on the device. */
    private int argmaxOfLogits() {
        ops.argmax(logits, c.vocabSize(), argmaxOut);
        device.download(argmaxOut, 0, hostArgmax);
        return hostArgmax.get(ValueLayout.JAVA_INT, 0);
    }

    /** Final norm and output projection of rows {@code [first, first+n)} of {@code hidden} into {@link #logits}. */
    private void outputLogits(DeviceBuffer hidden, int first, int n) {
        ensureLogits(n);
        ops.rmsNorm(hidden, w.outputNorm, xb, c.dim(), first, n, c.rmsEps());
        matmul(w.output, xb, logits, n);
    }

    private void downloadLogits(int rows, float[] out, int outOffset) {
        long floats = (long) rows * c.vocabSize();
        device.download(logits, 0, hostLogits.asSlice(0, floats * Float.BYTES));
        MemorySegment.copy(hostLogits, ValueLayout.JAVA_FLOAT, 0, out, outOffset, Math.toIntExact(floats));
    }

    private void matmul(DeviceMatrix m, DeviceBuffer in, DeviceBuffer out, int n) {
        ops.matmul(m.type(), m.data(), m.rowBytes(), in, out, m.cols(), m.rows(), n);
    }

    private void ensureLogits(int rows) {
        if (rows <= logitRows) {
            return;
        }
        if (logits != null) {
            release(logits);
        }
        logits = activations(rows, c.vocabSize(), "logits");
        buffersVersion++;
        hostLogits = arena.allocate((long) rows * c.vocabSize() * Float.BYTES, 16);
        logitRows = rows;
    }

    /** Grows the flash-decoding partials to {@code entries}; if that fails the old ones stay. */
    private void ensurePartials(long entries) {
        if (entries <= partialsEntries) {
            return;
        }
        java.util.List<DeviceBuffer> grown = new java.util.ArrayList<>();
        try {
            grown.add(device.allocate(entries * c.headDim() * Float.BYTES, "flash-decoding partial outputs"));
            grown.add(device.allocate(entries * Float.BYTES, "flash-decoding partial maxima"));
            grown.add(device.allocate(entries * Float.BYTES, "flash-decoding partial sums"));
        } catch (RuntimeException e) {
            grown.forEach(DeviceBuffer::close);
            throw e;
        }
        for (DeviceBuffer old : new DeviceBuffer[] {partOut, partMax, partSum}) {
            if (old != null) {
                release(old);
            }
        }
        scratch.addAll(grown);
        partOut = grown.get(0);
        partMax = grown.get(1);
        partSum = grown.get(2);
        partialsEntries = entries;
        buffersVersion++;
    }

    /** A scratch buffer of {@code rows * width} 4-byte values (floats or ints). */
    private DeviceBuffer activations(long rows, long width, String purpose) {
        DeviceBuffer b = device.allocate(rows * width * 4, purpose);
        scratch.add(b);
        return b;
    }

    private void release(DeviceBuffer b) {
        scratch.remove(b);
        b.close();
    }

    @Override
    public void close() {
        for (DeviceBuffer b : scratch) {
            b.close();
        }
        scratch.clear();
        for (DeviceKvCache cache : caches) {
            cache.free();
        }
        caches.clear();
        pools.forEach(DevicePagedKv::close);
        pools.clear();
        if (stepInts != null) {
            stepInts.close();
        }
        w.close();
        arena.close();
        if (ownsDevice) {
            device.close();
        }
    }
}
