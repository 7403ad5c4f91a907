/*
 * Causal attention for a batch of query tokens (prefill), flash-attention style: each group
 * streams the keys and values of one (token, head) in tiles of LOCAL_SIZE positions with an
 * online softmax (running max and sum, accumulators rescaled per tile), so no tokens x positions
 * matrix exists. Token t (at position firstPosition + t) sees positions 0..firstPosition + t.
 * q and out: tokens rows of heads * headDim floats. Caches as in attention_decode.cu.
 * headDim <= PREFILL_DIMS_PER_THREAD * LOCAL_SIZE. Grid: GROUPS_X = heads, GROUPS_Y = tokens.
 */
#define PREFILL_MAX_THREADS 256
#define PREFILL_MAX_HEAD_DIM 256
#define PREFILL_DIMS_PER_THREAD 4

KERNEL void attention_prefill(GLOBAL const float* q, GLOBAL const half* kCache, GLOBAL const half* vCache,
                              GLOBAL float* out, int heads, int headDim, int kvDim, int gqa,
                              int firstPosition, float scale) {
    LOCAL float query[PREFILL_MAX_HEAD_DIM];
    LOCAL float weights[PREFILL_MAX_THREADS];
    LOCAL float scratch[GROUP_SUM_MAX_THREADS];
    int head = GROUP_X;
    int t = GROUP_Y;
    int length = firstPosition + t + 1;
    long kvOffset = (long) (head / gqa) * headDim;
    long qOffset = ((long) t * heads + head) * headDim;
    for (int d = LOCAL_ID; d < headDim; d += LOCAL_SIZE) {
        query[d] = q[qOffset + d];
    }
    BARRIER();
    float acc[PREFILL_DIMS_PER_THREAD];
    for (int j = 0; j < PREFILL_DIMS_PER_THREAD; j++) {
        acc[j] = 0.0f;
    }
    float runningMax = NEG_INFINITY;
    float sum = 0.0f;
    for (int start = 0; start < length; start += LOCAL_SIZE) {
        int p = start + LOCAL_ID;
        float score = NEG_INFINITY;
        if (p < length) {
            GLOBAL const half* key = kCache + (long) p * kvDim + kvOffset;
            float dot = 0.0f;
            for (int d = 0; d < headDim; d++) {
                dot += query[d] * LOAD_HALF(key, d);
            }
            score = dot * scale;
        }
        float newMax = FMAXF(runningMax, group_max(score, scratch));
        float e = p < length ? EXPF(score - newMax) : 0.0f;
        weights[LOCAL_ID] = e;
        float tileSum = group_sum(e, scratch);
        float correction = EXPF(runningMax - newMax);
        sum = sum * correction + tileSum;
        int count = min(LOCAL_SIZE, length - start);
        for (int j = 0; j < PREFILL_DIMS_PER_THREAD; j++) {
            int d = LOCAL_ID + j * LOCAL_SIZE;
            if (d < headDim) {
                GLOBAL const half* value = vCache + (long) start * kvDim + kvOffset + d;
                float a = acc[j] * correction;
                for (int i = 0; i < count; i++) {
                    a += weights[i] * LOAD_HALF(value, (long) i * kvDim);
                }
                acc[j] = a;
            }
        }
        runningMax = newMax;
        BARRIER();
    }
    for (int j = 0; j < PREFILL_DIMS_PER_THREAD; j++) {
        int d = LOCAL_ID + j * LOCAL_SIZE;
        if (d < headDim) {
            out[qOffset + d] = acc[j] / sum;
        }
    }
}
