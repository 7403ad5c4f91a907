package ignis.backend.cpu;

import ignis.model.LlamaConfig;

/**
 * Causal grouped-query attention of a batch of queries over the KV cache, with llama.cpp's
 * precisions: the query is rounded to fp16 for the q.k products (the cache holds fp16), softmax
 * runs in float with a double sum, and the probabilities are rounded to fp16 before weighting
 * the values. Parallel over (token, head) pairs.
 */
final class Attention implements WorkerPool.RangeTask {
    private final WorkerPool pool;
    private final int heads;
    private final int headDim;
    private final int kvDim;
    private final int groupSize;
    private final float scale;
    private final float[][] scores;
    private final float[][] query;

    private float[] keys;
    private float[] values;
    private float[] q;
    private float[] out;
    private int firstPosition;

    Attention(WorkerPool pool, LlamaConfig c, int capacity) {
        this.pool = pool;
        this.heads = c.heads();
        this.headDim = c.headDim();
        this.kvDim = c.kvDim();
        this.groupSize = c.groupSize();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        this.scores = new float[pool.threads()][capacity];
        this.query = new float[pool.threads()][headDim];
    }

    int capacity() {
        return scores[0].length;
    }

    /**
     * {@code out[t][h]} = attention of query {@code q[t][h]} at position {@code firstPosition + t}
     * over cache positions {@code 0..firstPosition + t} of one layer.
     */
    void attend(CpuKvCache cache, int layer, float[] q, int tokens, int firstPosition, float[] out) {
        this.keys = cache.keys[layer];
        this.values = cache.values[layer];
        this.q = q;
        this.out = out;
        this.firstPosition = firstPosition;
        pool.parallelFor(tokens * heads, 1, this);
        this.out = null;
    }

    @Override
    public void run(int start, int end, int worker) {
        float[] s = scores[worker];
        float[] qh = query[worker];
        for (int pair = start; pair < end; pair++) {
            int t = pair / heads;
            int h = pair % heads;
            int qOffset = t * heads * headDim + h * headDim;
            int kvOffset = (h / groupSize) * headDim;
            int positions = firstPosition + t + 1;
            for (int i = 0; i < headDim; i++) {
                qh[i] = Fp16.round(q[qOffset + i]);
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < positions; p++) {
                float v = VectorMath.dot(qh, 0, keys, p * kvDim + kvOffset, headDim) * scale;
                s[p] = v;
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int p = 0; p < positions; p++) {
                float e = (float) Math.exp(s[p] - max);
                s[p] = e;
                sum += e;
            }
            float inverse = (float) (1.0 / sum);
            java.util.Arrays.fill(out, qOffset, qOffset + headDim, 0f);
            for (int p = 0; p < positions; p++) {
                VectorMath.axpy(Fp16.round(s[p] * inverse), values, p * kvDim + kvOffset, out, qOffset, headDim);
            }
        }
    }
}
