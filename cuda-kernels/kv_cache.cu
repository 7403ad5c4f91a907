/*
 * Appends keys and values to one layer's cache: position p's key (kvDim values, fp16) at
 * kCache[p * kvDim], its value likewise in vCache. Token t goes to position firstPosition + t.
 * Grid: GROUPS_X = tokens.
 */
KERNEL void kv_store(GLOBAL const float* k, GLOBAL const float* v, GLOBAL half* kCache,
                     GLOBAL half* vCache, int kvDim, int firstPosition) {
    int t = GROUP_X;
    long src = (long) t * kvDim;
    long dst = (long) (firstPosition + t) * kvDim;
    for (int i = LOCAL_ID; i < kvDim; i += LOCAL_SIZE) {
        STORE_HALF(k[src + i], kCache, dst + i);
        STORE_HALF(v[src + i], vCache, dst + i);
    }
}
