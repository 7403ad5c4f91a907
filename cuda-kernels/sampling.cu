/*
 * On-device greedy sampling: out[0] = the index of the largest of n logits, the lowest index on
 * ties (as the host sampler). One group (of a power-of-two size up to ARGMAX_THREADS) so only
 * the token id returns to the host. Grid: GROUPS_X = 1.
 */
#define ARGMAX_THREADS 256

KERNEL void argmax(GLOBAL const float* logits, int n, GLOBAL int* out) {
    LOCAL float bestValue[ARGMAX_THREADS];
    LOCAL int bestIndex[ARGMAX_THREADS];
    int lid = LOCAL_ID;
    float value = NEG_INFINITY;
    int index = n;
    for (int i = lid; i < n; i += LOCAL_SIZE) {
        float x = logits[i];
        if (x > value || index == n) {
            value = x;
            index = i;
        }
    }
    bestValue[lid] = value;
    bestIndex[lid] = index;
    BARRIER();
    for (int stride = LOCAL_SIZE / 2; stride > 0; stride >>= 1) {
        if (lid < stride) {
            float other = bestValue[lid + stride];
            int otherIndex = bestIndex[lid + stride];
            if (other > bestValue[lid] || (other == bestValue[lid] && otherIndex < bestIndex[lid])) {
                bestValue[lid] = other;
                bestIndex[lid] = otherIndex;
            }
        }
        BARRIER();
    }
    if (lid == 0) {
        out[0] = bestIndex[0];
    }
}
