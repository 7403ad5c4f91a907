/*
 * RMSNorm: out[r] = x[firstRow + r] * (1 / sqrt(mean(x^2) + eps)) * weight, as ggml's rms_norm
 * followed by the weight multiply. Grid: GROUPS_X = rows.
 */
KERNEL void rms_norm(GLOBAL const float* x, GLOBAL const float* weight, GLOBAL float* out,
                     int dim, int firstRow, float eps) {
    LOCAL float scratch[GROUP_SUM_MAX_THREADS];
    GLOBAL const float* in = x + (long) (firstRow + GROUP_X) * dim;
    GLOBAL float* dst = out + (long) GROUP_X * dim;
    float sum = 0.0f;
    for (int i = LOCAL_ID; i < dim; i += LOCAL_SIZE) {
        sum += in[i] * in[i];
    }
    float mean = group_sum(sum, scratch) / (float) dim;
    float scale = 1.0f / SQRTF(mean + eps);
    for (int i = LOCAL_ID; i < dim; i += LOCAL_SIZE) {
        dst[i] = (in[i] * scale) * weight[i];
    }
}
