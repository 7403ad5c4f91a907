/*
 * Stores keys and values in one layer's cache: cache row r's key (kvDim values, fp16) at
 * kCache[r * kvDim], its value likewise in vCache. Grid: GROUPS_X = tokens.
 */
#include "paged_kv.h"

DEVICE_FN void kv_store_row(GLOBAL const float* k, GLOBAL const float* v, GLOBAL half* kCache,
                            GLOBAL half* vCache, int kvDim, int t, long row) {
    long src = (long) t * kvDim;
    long dst = row * kvDim;
    for (int i = LOCAL_ID; i < kvDim; i += LOCAL_SIZE) {
        STORE_HALF(k[src + i], kCache, dst + i);
        STORE_HALF(v[src + i], vCache, dst + i);
    }
}

/* A contiguous cache: token t goes to position (row) firstPosition + t. */
KERNEL void kv_store(GLOBAL const float* k, GLOBAL const float* v, GLOBAL half* kCache,
                     GLOBAL half* vCache, int kvDim, int firstPosition) {
    int t = GROUP_X;
    kv_store_row(k, v, kCache, vCache, kvDim, t, (long) (firstPosition + t));
}

/* A block pool: token t goes to its position's slot through its sequence's table (paged_kv.h). */
KERNEL void kv_store_paged(GLOBAL const float* k, GLOBAL const float* v, GLOBAL half* kCache,
                           GLOBAL half* vCache, int kvDim, GLOBAL const int* step, int tokens, int blockTokens) {
    int t = GROUP_X;
    kv_store_row(k, v, kCache, vCache, kvDim, t, kv_row(step_table(step, tokens, t), blockTokens, step[t]));
}
