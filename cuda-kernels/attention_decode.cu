/*
 * Flash-decoding: attention of one query token over the KV cache, split along the sequence.
 *
 * attention_split: group (head h, split s) attends over positions [s*chunk, min(length,
 * (s+1)*chunk)) of the key/value head h / gqa (grouped-query attention) and writes its
 * unnormalised partial output (sum of exp(score - max) * value) with that max and the sum of
 * exp(score - max). chunk <= ATTENTION_CHUNK; headDim <= ATTENTION_MAX_HEAD_DIM.
 * Grid: GROUPS_X = heads, GROUPS_Y = splits = ceil(length / chunk).
 *
 * attention_merge: per head, rescales the partials to the overall max and normalises:
 * out = sum_s exp(m_s - M) o_s / sum_s exp(m_s - M) l_s. Grid: GROUPS_X = heads.
 *
 * Caches: position p of kv head g at kCache[p * kvDim + g * headDim] (fp16), values likewise.
 */
#define ATTENTION_CHUNK 256
#define ATTENTION_MAX_HEAD_DIM 256

KERNEL void attention_split(GLOBAL const float* q, GLOBAL const half* kCache, GLOBAL const half* vCache,
                            GLOBAL float* partOut, GLOBAL float* partMax, GLOBAL float* partSum,
                            int headDim, int kvDim, int gqa, int length, int chunk, float scale) {
    LOCAL float query[ATTENTION_MAX_HEAD_DIM];
    LOCAL float weights[ATTENTION_CHUNK];
    LOCAL float scratch[GROUP_SUM_MAX_THREADS];
    int head = GROUP_X;
    int split = GROUP_Y;
    int splits = GROUPS_Y;
    long kvOffset = (long) (head / gqa) * headDim;
    int start = split * chunk;
    int count = min(chunk, length - start);
    for (int d = LOCAL_ID; d < headDim; d += LOCAL_SIZE) {
        query[d] = q[(long) head * headDim + d];
    }
    BARRIER();
    float localMax = NEG_INFINITY;
    for (int i = LOCAL_ID; i < count; i += LOCAL_SIZE) {
        GLOBAL const half* key = kCache + (long) (start + i) * kvDim + kvOffset;
        float dot = 0.0f;
        for (int d = 0; d < headDim; d++) {
            dot += query[d] * LOAD_HALF(key, d);
        }
        weights[i] = dot * scale;
        localMax = FMAXF(localMax, dot * scale);
    }
    float splitMax = group_max(localMax, scratch);
    float localSum = 0.0f;
    for (int i = LOCAL_ID; i < count; i += LOCAL_SIZE) {
        float e = EXPF(weights[i] - splitMax);
        weights[i] = e;
        localSum += e;
    }
    float sum = group_sum(localSum, scratch);
    long part = (long) head * splits + split;
    for (int d = LOCAL_ID; d < headDim; d += LOCAL_SIZE) {
        GLOBAL const half* value = vCache + (long) start * kvDim + kvOffset + d;
        float acc = 0.0f;
        for (int i = 0; i < count; i++) {
            acc += weights[i] * LOAD_HALF(value, (long) i * kvDim);
        }
        partOut[part * headDim + d] = acc;
    }
    if (LOCAL_ID == 0) {
        partMax[part] = splitMax;
        partSum[part] = sum;
    }
}

KERNEL void attention_merge(GLOBAL const float* partOut, GLOBAL const float* partMax,
                            GLOBAL const float* partSum, GLOBAL float* out, int headDim, int splits) {
    int head = GROUP_X;
    long first = (long) head * splits;
    float overallMax = NEG_INFINITY;
    for (int s = 0; s < splits; s++) {
        overallMax = FMAXF(overallMax, partMax[first + s]);
    }
    float total = 0.0f;
    for (int s = 0; s < splits; s++) {
        total += EXPF(partMax[first + s] - overallMax) * partSum[first + s];
    }
    for (int d = LOCAL_ID; d < headDim; d += LOCAL_SIZE) {
        float acc = 0.0f;
        for (int s = 0; s < splits; s++) {
            acc += EXPF(partMax[first + s] - overallMax) * partOut[(first + s) * headDim + d];
        }
        out[(long) head * headDim + d] = acc / total;
    }
}
