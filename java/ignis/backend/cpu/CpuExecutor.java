package ignis.backend.cpu;

import ignis.IgnisException;
import ignis.backend.BatchExecutor;
import ignis.backend.BatchStep;
import ignis.backend.ChunkedPass;
import ignis.backend.ExecutorOptions;
import ignis.backend.KvCache;
import ignis.backend.ModelExecutor;
import ignis.backend.PagedKv;
import ignis.model.LayerWeights;
import ignis.model.LlamaConfig;
import ignis.model.LlamaModel;
import ignis.model.LlamaWeights;
import ignis.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

/**
 * The llama forward pass on the CPU, the reference for every other backend. Numerics follow
 * llama.cpp's CPU backend step by step (activation quantization before quantized products, fp16
 * KV cache, double sums in RMSNorm and softmax) so greedy decoding matches it token for token.
 * All buffers are allocated up front for {@code maxBatchTokens}; a decode step allocates nothing.
 *
 * <p>A pass is three steps, public for a hybrid executor that runs some of them elsewhere:
 * {@link #embed}, {@link #forwardBlocks} (this executor's blocks {@code [firstLayer, endLayer)},
 * every block for the CPU backend) and {@link #outputLogits}; {@link #hidden} is the hidden state
 * between them. {@link #forBlocks} makes an executor of part of the model, which packs only the
 * matrices it multiplies with and whose caches hold only its blocks.
 */
public final class CpuExecutor implements ModelExecutor, ChunkedPass, BatchExecutor {
    private final LlamaConfig c;
    private final LlamaWeights w;
    /** The blocks {@link #forwardBlocks} runs: {@code [firstLayer, endLayer)}; cache layer 0 is block {@code firstLayer}. */
    private final int firstLayer;
    private final int endLayer;
    private final boolean hasOutput;
    private final int batch;
    private final WorkerPool pool;
    private final MatMul matMul;
    private final Rope rope;
    private Attention attention;

    private final float[] x;
    /** Eight lanes of scratch per worker for {@link #swiglu}. */
    private final float[][] lanes;
    /** {@link #swiglu} of {@link #gate} and {@link #up}, rows split over the pool (made once: a method reference per call would allocate). */
    private final WorkerPool.RangeTask swigluRows = this::swigluRows;
    private final WorkerPool.RangeTask rotateRows = this::rotateRows;
    private final WorkerPool.RangeTask normRows = this::rmsNormRows;
    /** The arguments of the loops above, set before each (a capturing lambda per call would allocate). */
    private float[] normIn;
    private float[] normWeight;
    private float[] normOut;
    private final float[] xb;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] attended;
    private final float[] projected;
    private final float[] gate;
    private final float[] up;
    private final float[] cos;
    private final float[] sin;
    private final Activations modelInput;
    private final Activations attentionInput;
    private final Activations ffnInput;
    private final int[] single = new int[1];
    private final KvBatch kvBatch;
    /** Every row summed as a lone token's. */
    private final boolean[] loneOrder;

    CpuExecutor(LlamaModel model, ExecutorOptions options) {
        this(model, options, 0, model.config().layers(), true);
    }

    /**
     * An executor of blocks {@code [firstLayer, endLayer)} and, with {@code output}, the output head:
     * the host part of a hybrid. Only {@link #embed}, {@link #forwardBlocks}, {@link #outputLogits}
     * (with {@code output}) and {@link #newCache} apply to a part; {@link #prefill} and
     * {@link #decode} need the whole model.
     */
    public static CpuExecutor forBlocks(LlamaModel model, ExecutorOptions options, int firstLayer, int endLayer, boolean output) {
        if (firstLayer < 0 || endLayer < firstLayer || endLayer > model.config().layers()) {
            throw new IllegalArgumentException("blocks [" + firstLayer + ", " + endLayer + ") of a model of " + model.config().layers());
        }
        return new CpuExecutor(model, options, firstLayer, endLayer, output);
    }

    private CpuExecutor(LlamaModel model, ExecutorOptions options, int firstLayer, int endLayer, boolean output) {
        this.c = model.config();
        this.w = model.weights();
        this.firstLayer = firstLayer;
        this.endLayer = endLayer;
        this.hasOutput = output;
        this.batch = options.maxBatchTokens();
        this.pool = new WorkerPool(options.threads());
        this.matMul = new MatMul(pool);
        for (int i = firstLayer; i < endLayer; i++) {
            LayerWeights layer = w.layers()[i];
            for (Tensor matrix : new Tensor[] {layer.wq(), layer.wk(), layer.wv(), layer.wo(), layer.wGate(), layer.wUp(), layer.wDown()}) {
                matMul.pack(matrix);
            }
        }
        if (output) {
            matMul.pack(w.output());
        }
        this.rope = new Rope(c.headDim(), c.ropeBase(), w.ropeFreqFactors());
        x = new float[batch * c.dim()];
        xb = new float[batch * c.dim()];
        q = new float[batch * c.queryDim()];
        k = new float[batch * c.kvDim()];
        v = new float[batch * c.kvDim()];
        attended = new float[batch * c.queryDim()];
        projected = new float[batch * c.dim()];
        gate = new float[batch * c.ffn()];
        up = new float[batch * c.ffn()];
        cos = new float[batch * c.headDim() / 2];
        sin = new float[batch * c.headDim() / 2];
        lanes = new float[pool.threads()][GgmlMath.LANES];
        PoolTokenLoop tokenLoop = new PoolTokenLoop(pool);
        modelInput = new Activations(batch, c.dim(), tokenLoop);
        attentionInput = new Activations(batch, c.queryDim(), tokenLoop);
        ffnInput = new Activations(batch, c.ffn(), tokenLoop);
        kvBatch = new KvBatch(batch);
        loneOrder = new boolean[batch];
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
        ensureAttention(contextLength);
        return new CpuKvCache(endLayer - firstLayer, contextLength, c.kvDim(), c.headDim());
    }

    private void ensureAttention(int positions) {
        if (attention == null || attention.capacity() < positions) {
            attention = new Attention(pool, c, positions);
        }
    }

    @Override
    public long kvBytesPerBlock(int blockTokens) {
        return KvStore.bytesPerBlock(endLayer - firstLayer, blockTokens, c.kvDim());
    }

    @Override
    public PagedKv newPagedKv(int blocks, int blockTokens) {
        if (blocks < 1 || blockTokens < 1 || blockTokens % GgmlMath.LANES != 0) {
            throw new IgnisException("a KV pool needs >= 1 block of a multiple of " + GgmlMath.LANES + " positions, got "
                    + blocks + " blocks of " + blockTokens);
        }
        ensureAttention((int) Math.min((long) blocks * blockTokens, Integer.MAX_VALUE - 64));
        return new CpuPagedKv(endLayer - firstLayer, blocks, blockTokens, c.kvDim(), c.headDim());
    }

    @Override
    public int maxStepTokens() {
        return batch;
    }

    @Override
    public void forwardBatch(PagedKv kv, BatchStep step, float[] logits) {
        requireWholeModel();
        int n = step.tokens();
        if (n > batch) {
            throw new IllegalArgumentException("a step of " + n + " tokens exceeds the executor's batch of " + batch);
        }
        embed(step.token, 0, n);
        kvBatch.ofStep((CpuPagedKv) kv, step);
        forwardBlocks(kvBatch, n);
        int dim = c.dim();
        for (int i = 0; i < step.logitCount(); i++) {
            System.arraycopy(x, step.logitTokens[i] * dim, projected, i * dim, dim);
        }
        headLogits(step.logitCount(), logits, 0, loneOrder);
    }

    /** Tokens one {@link #forwardBlocks} call takes at most. */
    public int maxBatchTokens() {
        return batch;
    }

    @Override
    public void prefill(KvCache cache, int[] tokens, int offset, int count, float[] logits) {
        requireWholeModel();
        ChunkedPass.prefill(this, c, batch, cache, tokens, offset, count, logits);
    }

    private void requireWholeModel() {
        if (firstLayer != 0 || endLayer != c.layers() || !hasOutput) {
            throw new IllegalStateException("an executor of blocks [" + firstLayer + ", " + endLayer + ") runs only part of a pass");
        }
    }

    @Override
    public void forwardChunk(KvCache cache, int[] tokens, int offset, int n) {
        embed(tokens, offset, n);
        forwardBlocks(cache, n);
        ((CpuKvCache) cache).advance(n);
    }

    @Override
    public void decode(KvCache cache, int token, float[] logits) {
        single[0] = token;
        prefill(cache, single, 0, 1, logits);
    }

    /** The hidden state: token {@code t}'s at {@code [t * dim, (t+1) * dim)}, the input and output of {@link #forwardBlocks}. */
    public float[] hidden() {
        return x;
    }

    /** Step 1: the embeddings of {@code n <= maxBatchTokens} tokens from {@code tokens[offset]} into {@link #hidden}. */
    public void embed(int[] tokens, int offset, int n) {
        int dim = c.dim();
        for (int t = 0; t < n; t++) {
            w.tokenEmbedding().dequantizeRow(tokens[offset + t], x, t * dim);
        }
    }

    /**
     * Step 2: runs the {@code n} tokens of {@link #hidden}, at positions {@code cache.length()} on,
     * through this executor's blocks, storing their keys and values in {@code cache}, which the
     * caller then advances by {@code n}.
     */
    public void forwardBlocks(KvCache cache, int n) {
        kvBatch.ofSequence((CpuKvCache) cache, n);
        forwardBlocks(kvBatch, n);
    }

    /** {@link #forwardBlocks(KvCache, int)} for tokens anywhere: each at its own position and block table. */
    private void forwardBlocks(KvBatch kv, int n) {
        int dim = c.dim();
        int half = c.headDim() / 2;
        for (int t = 0; t < n; t++) {
            rope.angles(kv.position[t], cos, sin, t * half);
        }
        for (int layer = firstLayer; layer < endLayer; layer++) {
            LayerWeights lw = w.layers()[layer];
            int cached = layer - firstLayer;
            // Attention block.
            rmsNorm(x, lw.attentionNorm(), xb, n);
            modelInput.set(xb, n, dim, kv.batched);
            matMul.multiply(lw.wq(), lw.wk(), lw.wv(), modelInput, q, k, v);
            pool.parallelFor(n, PoolTokenLoop.MIN_CHUNK, rotateRows);
            attention.attend(kv, cached, q, k, v, attended);
            attentionInput.set(attended, n, c.queryDim(), kv.batched);
            matMul.multiply(lw.wo(), attentionInput, projected);
            VectorMath.add(projected, 0, x, 0, n * dim);
            // Feed-forward block (SwiGLU).
            rmsNorm(x, lw.ffnNorm(), xb, n);
            modelInput.set(xb, n, dim, kv.batched);
            matMul.multiply(lw.wGate(), lw.wUp(), modelInput, gate, up);
            pool.parallelFor(n, PoolTokenLoop.MIN_CHUNK, swigluRows);
            ffnInput.set(gate, n, c.ffn(), kv.batched);
            matMul.multiply(lw.wDown(), ffnInput, projected);
            VectorMath.add(projected, 0, x, 0, n * dim);
        }
    }

    /**
     * Step 3: final norm and output projection of tokens {@code [first, first+n)} of {@link #hidden}
     * (the last block's output) into {@code logits} from {@code logitsOffset} on.
     */
    @Override
    public void outputLogits(int first, int n, float[] logits, int logitsOffset) {
        if (!hasOutput) {
            throw new IllegalStateException("this executor has no output head");
        }
        int dim = c.dim();
        System.arraycopy(x, first * dim, projected, 0, n * dim);
        headLogits(n, logits, logitsOffset, null);
    }

    /** Final norm and output projection of the first {@code n} rows of {@code projected}. */
    private void headLogits(int n, float[] logits, int logitsOffset, boolean[] batchOrder) {
        rmsNorm(projected, w.outputNorm(), xb, n);
        modelInput.set(xb, n, c.dim(), batchOrder);
        matMul.multiply(w.output(), modelInput, logits, logitsOffset);
    }

    /** Tokens {@code [start, end)}: RoPE on their queries and keys. */
    private void rotateRows(int start, int end, int worker) {
        int half = c.headDim() / 2;
        for (int t = start; t < end; t++) {
            rope.rotate(q, t * c.queryDim(), c.heads(), cos, sin, t * half);
            rope.rotate(k, t * c.kvDim(), c.kvHeads(), cos, sin, t * half);
        }
    }

    /** ggml's rms_norm (sum of squares in double) followed by the weight multiply, per row, rows split over the threads. */
    private void rmsNorm(float[] in, float[] weight, float[] out, int rows) {
        normIn = in;
        normWeight = weight;
        normOut = out;
        pool.parallelFor(rows, PoolTokenLoop.MIN_CHUNK, normRows);
    }

    private void rmsNormRows(int start, int end, int worker) {
        float[] in = normIn;
        float[] weight = normWeight;
        float[] out = normOut;
        int dim = c.dim();
        for (int r = start; r < end; r++) {
            int base = r * dim;
            double sum = 0;
            for (int i = 0; i < dim; i++) {
                float e = in[base + i];
                sum += e * e;
            }
            float mean = (float) (sum / dim);
            // Float steps as ggml's 1.0f/sqrtf(mean + eps): rounding in double once would differ.
            float scale = 1.0f / (float) Math.sqrt(mean + c.rmsEps());
            for (int i = 0; i < dim; i++) {
                out[base + i] = (in[base + i] * scale) * weight[i];
            }
        }
    }

    private void swigluRows(int start, int end, int worker) {
        swiglu(gate, up, start * c.ffn(), end * c.ffn(), lanes[worker]);
    }

    /** {@code gate = silu(gate) * up} over {@code [from, to)}, with {@code minus} as scratch. */
    private static void swiglu(float[] gate, float[] up, int from, int to, float[] minus) {
        int n = to;
        int i = from;
        for (; i + GgmlMath.LANES <= n; i += GgmlMath.LANES) {
            // silu(x) = x / (1 + exp(0 - x)), 8 lanes at a time (GgmlMath.silu's operations)
            // (no vector lives across the call: one that C2 does not inline would box it)
            FloatVector.zero(FloatVector.SPECIES_256).sub(FloatVector.fromArray(FloatVector.SPECIES_256, gate, i)).intoArray(minus, 0);
            if (GgmlMath.exp8(minus, 0, minus, 0)) {
                FloatVector.fromArray(FloatVector.SPECIES_256, gate, i).div(FloatVector.fromArray(FloatVector.SPECIES_256, minus, 0).add(1.0f))
                        .mul(FloatVector.fromArray(FloatVector.SPECIES_256, up, i)).intoArray(gate, i);
            } else {
                for (int l = i; l < i + GgmlMath.LANES; l++) {
                    gate[l] = GgmlMath.silu(gate[l]) * up[l];
                }
            }
        }
        for (; i < n; i++) {
            gate[i] = GgmlMath.silu(gate[i]) * up[i];
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
