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
 * attention_paged_split / _merge: the same for every token of a batched step (paged_kv.h), each
 * over its own sequence's positions 0..step[t] through its block table, so each token is summed
 * exactly as a lone decode token of that length. Groups are (token, head) pairs of the tokens
 * [firstToken, firstToken + GROUPS_X / heads); splits past a token's length are empty.
 * Grid: GROUPS_X = tokens * heads, GROUPS_Y = the most splits of those tokens.
 *
 * Caches: position p of kv head g at kCache[kv_row(p) * kvDim + g * headDim] (fp16), values likewise.
 */
#include "paged_kv.h"

#define ATTENTION_CHUNK 256
#define ATTENTION_MAX_HEAD_DIM 256

/* One split's partials at part: positions [start, start + count) (count <= 0: an empty split). */
DEVICE_FN void attention_split_part(GLOBAL const float* q, GLOBAL const half* kCache, GLOBAL const half* vCache,
                                    GLOBAL const int* table, int blockTokens,
                                    GLOBAL float* partOut, GLOBAL float* partMax, GLOBAL float* partSum, long part,
                                    int headDim, int kvDim, long kvOffset, int start, int count, float scale,
                                    LOCAL_PTR float* query, LOCAL_PTR float* weights, LOCAL_PTR float* scratch) {
    for (int d = LOCAL_ID; d < headDim; d += LOCAL_SIZE) {
        query[d] = q[d];
    }
    BARRIER();
    float localMax = NEG_INFINITY;
    for (int i = LOCAL_ID; i < count; i += LOCAL_SIZE) {
        GLOBAL const half* key = kCache + kv_row(table, blockTokens, start + i) * kvDim + kvOffset;
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
    for (int d = LOCAL_ID; d < headDim; d += LOCAL_SIZE) {
        float acc = 0.0f;
        for (int i = 0; i < count; i++) {
            acc += weights[i] * LOAD_HALF(vCache, kv_row(table, blockTokens, start + i) * kvDim + kvOffset + d);
        }
        partOut[part * headDim + d] = acc;
    }
    if (LOCAL_ID == 0) {
        partMax[part] = splitMax;
        partSum[part] = sum;
    }
}

/* The merge of splits partials from first on into out (headDim floats). */
DEVICE_FN void attention_merge_parts(GLOBAL const float* partOut, GLOBAL const float* partMax,
                                     GLOBAL const float* partSum, GLOBAL float* out, int headDim, long first, int splits) {
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
        out[d] = acc / total;
    }
}

KERNEL void attention_split(GLOBAL const float* q, GLOBAL const half* kCache, GLOBAL const half* vCache,
                            GLOBAL float* partOut, GLOBAL float* partMax, GLOBAL float* partSum,
                            int headDim, int kvDim, int gqa, int length, int chunk, float scale) {
    LOCAL float query[ATTENTION_MAX_HEAD_DIM];
    LOCAL float weights[ATTENTION_CHUNK];
    LOCAL float scratch[GROUP_SUM_MAX_THREADS];
    int head = GROUP_X;
    int split = GROUP_Y;
    int start = split * chunk;
    attention_split_part(q + (long) head * headDim, kCache, vCache, (GLOBAL const int*) 0, 0, partOut, partMax, partSum,
                         (long) head * GROUPS_Y + split, headDim, kvDim, (long) (head / gqa) * headDim, start,
                         min(chunk, length - start), scale, query, weights, scratch);
}

KERNEL void attention_merge(GLOBAL const float* partOut, GLOBAL const float* partMax,
                            GLOBAL const float* partSum, GLOBAL float* out, int headDim, int splits) {
    int head = GROUP_X;
    attention_merge_parts(partOut, partMax, partSum, out + (long) head * headDim, headDim, (long) head * splits, splits);
}

KERNEL void attention_paged_split(GLOBAL const float* q, GLOBAL const half* kCache, GLOBAL const half* vCache,
                                  GLOBAL const int* step, int tokens, int blockTokens, int firstToken,
                                  GLOBAL float* partOut, GLOBAL float* partMax, GLOBAL float* partSum,
                                  int heads, int headDim, int kvDim, int gqa, int chunk, float scale) {
    LOCAL float query[ATTENTION_MAX_HEAD_DIM];
    LOCAL float weights[ATTENTION_CHUNK];
    LOCAL float scratch[GROUP_SUM_MAX_THREADS];
    int group = GROUP_X;
    int split = GROUP_Y;
    int t = firstToken + group / heads;
    int head = group % heads;
    int start = split * chunk;
    attention_split_part(q + ((long) t * heads + head) * headDim, kCache, vCache, step_table(step, tokens, t), blockTokens,
                         partOut, partMax, partSum, (long) group * GROUPS_Y + split, headDim, kvDim,
                         (long) (head / gqa) * headDim, start, min(chunk, step[t] + 1 - start), scale, query, weights, scratch);
}

KERNEL void attention_paged_merge(GLOBAL const float* partOut, GLOBAL const float* partMax,
                                  GLOBAL const float* partSum, GLOBAL float* out, GLOBAL const int* step,
                                  int heads, int headDim, int firstToken, int splitStride, int chunk) {
    int group = GROUP_X;
    int t = firstToken + group / heads;
    attention_merge_parts(partOut, partMax, partSum, out + ((long) firstToken * heads + group) * headDim, headDim,
                          (long) group * splitStride, (step[t] + chunk) / chunk);
}
