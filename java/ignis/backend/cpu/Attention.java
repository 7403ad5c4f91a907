package ignis.backend.cpu;

import ignis.model.LlamaConfig;

/**
 * Causal grouped-query attention of a batch of queries over the KV cache, computed as llama.cpp's
 * CPU backend computes it (no flash attention): the query rounded to fp16 (the cache holds fp16),
 * q.k products and the probability-weighted sum of values accumulated in eight float lanes and
 * reduced in ggml's order, softmax with ggml's exp and a double sum over 8-lane groups, the
 * probabilities rounded to fp16 before weighting the values. Parallel over (token, head) pairs.
 */
final class Attention implements WorkerPool.RangeTask {
    private static final int L = GgmlMath.LANES;

    private final WorkerPool pool;
    private final int heads;
    private final int headDim;
    private final int kvDim;
    private final int groupSize;
    private final float scale;
    private final float[][] scores;
    private final float[][] query;
    /** Per thread: eight partial output vectors (one per lane) and one lane buffer. */
    private final float[][] laneOutputs;
    private final float[][] lanes;

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
        int threads = pool.threads();
        this.scores = new float[threads][capacity + L];
        this.query = new float[threads][headDim];
        this.laneOutputs = new float[threads][L * headDim];
        this.lanes = new float[threads][L];
    }

    int capacity() {
        return scores[0].length - L;
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
        float[] lane = lanes[worker];
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
                float v = dotF16(qh, keys, p * kvDim + kvOffset, lane) * scale;
                s[p] = v;
                max = Math.max(max, v);
            }
            softmax(s, positions, max, lane);
            weightedValues(s, positions, kvOffset, qOffset, worker);
        }
    }

    /** q.k as llama.cpp: tinyBLAS (one 8-lane accumulator) when the length is a multiple of 8, else ggml_vec_dot_f16. */
    private float dotF16(float[] qh, float[] k, int kOffset, float[] lane) {
        java.util.Arrays.fill(lane, 0f);
        if (headDim % L == 0) {
            for (int i = 0; i < headDim; i += L) {
                for (int l = 0; l < L; l++) {
                    lane[l] = Math.fma(qh[i + l], k[kOffset + i + l], lane[l]);
                }
            }
            return GgmlMath.sumLanes(lane);
        }
        // ggml_vec_dot_f16: four 8-lane accumulators over 32-element steps, the rest summed in double.
        int main = headDim & ~31;
        float[][] acc = new float[4][L];
        for (int i = 0; i < main; i += 32) {
            for (int a = 0; a < 4; a++) {
                for (int l = 0; l < L; l++) {
                    acc[a][l] = Math.fma(qh[i + a * L + l], k[kOffset + i + a * L + l], acc[a][l]);
                }
            }
        }
        double sum = 0;
        if (main > 0) {
            for (int l = 0; l < L; l++) {
                lane[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
            }
            float t0 = lane[0] + lane[4], t1 = lane[1] + lane[5], t2 = lane[2] + lane[6], t3 = lane[3] + lane[7];
            sum = (t0 + t1) + (t2 + t3);
        }
        for (int i = main; i < headDim; i++) {
            sum += qh[i] * k[kOffset + i];
        }
        return (float) sum;
    }

    /** ggml_vec_soft_max_f32: exp in 8-lane groups (the cache is padded, so the last group too), group sums added in double. */
    private static void softmax(float[] s, int n, float max, float[] lane) {
        double sum = 0;
        for (int g = 0; g < n; g += L) {
            for (int l = 0; l < L; l++) {
                lane[l] = g + l < n ? GgmlMath.exp(s[g + l] - max) : 0f;
                if (g + l < n) {
                    s[g + l] = lane[l];
                }
            }
            sum += GgmlMath.sumLanes(lane);
        }
        float inverse = (float) (1.0 / sum);
        for (int p = 0; p < n; p++) {
            s[p] = Fp16.round(s[p] * inverse);
        }
    }

    /** out = sum_p prob[p] * v[p], accumulated as tinyBLAS does: lane p % 8, then the lanes reduced. */
    private void weightedValues(float[] prob, int n, int kvOffset, int outOffset, int worker) {
        float[] acc = laneOutputs[worker];
        java.util.Arrays.fill(acc, 0f);
        for (int p = 0; p < n; p++) {
            int base = (p % L) * headDim;
            float w = prob[p];
            int v = p * kvDim + kvOffset;
            for (int i = 0; i < headDim; i++) {
                acc[base + i] = Math.fma(w, values[v + i], acc[base + i]);
            }
        }
        for (int i = 0; i < headDim; i++) {
            float t0 = acc[i] + acc[4 * headDim + i];
            float t1 = acc[headDim + i] + acc[5 * headDim + i];
            float t2 = acc[2 * headDim + i] + acc[6 * headDim + i];
            float t3 = acc[3 * headDim + i] + acc[7 * headDim + i];
            out[outOffset + i] = (t0 + t2) + (t1 + t3);
        }
    }
}
