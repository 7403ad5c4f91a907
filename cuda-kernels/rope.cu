/*
 * Rotary position embedding, "normal" mode (adjacent pairs rotate together) as llama uses it.
 * The angle of pair i at position p is p * thetaScale^i built by repeated float multiplication
 * (as ggml builds it, so the angles round the same), divided by the Llama 3 frequency factor of
 * pair i when hasFactors. v holds tokens rows of heads * headDim floats, rotated in place.
 * Grid: GROUPS_X = tokens, GROUPS_Y = heads.
 */
DEVICE_FN void rope_head(GLOBAL float* x, int headDim, int position, float thetaScale,
                         GLOBAL const float* freqFactors, int hasFactors) {
    int half_dim = headDim / 2;
    for (int i = LOCAL_ID; i < half_dim; i += LOCAL_SIZE) {
        float theta = (float) position;
        for (int k = 0; k < i; k++) {
            theta *= thetaScale;
        }
        if (hasFactors) {
            theta = theta / freqFactors[i];
        }
        float c = COSF(theta);
        float s = SINF(theta);
        float x0 = x[2 * i];
        float x1 = x[2 * i + 1];
        x[2 * i] = FMAF(x0, c, -(x1 * s));
        x[2 * i + 1] = FMAF(x0, s, x1 * c);
    }
}

/* Token t sits at position firstPosition + t. */
KERNEL void rope(GLOBAL float* v, int heads, int headDim, int firstPosition, float thetaScale,
                 GLOBAL const float* freqFactors, int hasFactors) {
    int t = GROUP_X;
    int head = GROUP_Y;
    rope_head(v + ((long) t * heads + head) * headDim, headDim, firstPosition + t, thetaScale, freqFactors, hasFactors);
}

/* Token t sits at position positions[t] (a batched step's tokens, paged_kv.h). */
KERNEL void rope_at(GLOBAL float* v, GLOBAL const int* positions, int heads, int headDim, float thetaScale,
                    GLOBAL const float* freqFactors, int hasFactors) {
    int t = GROUP_X;
    int head = GROUP_Y;
    rope_head(v + ((long) t * heads + head) * headDim, headDim, positions[t], thetaScale, freqFactors, hasFactors);
}
