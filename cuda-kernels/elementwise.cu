/* Element-wise steps of a block. Grid: GROUPS_X = ceil(n / LOCAL_SIZE). */

/* gate = silu(gate) * up, the SwiGLU of the feed-forward block. */
KERNEL void swiglu(GLOBAL float* gate, GLOBAL const float* up, int n) {
    int i = GROUP_X * LOCAL_SIZE + LOCAL_ID;
    if (i < n) {
        float g = gate[i];
        gate[i] = g / (1.0f + EXPF(-g)) * up[i];
    }
}

/* x += y: the residual connection. */
KERNEL void add_into(GLOBAL float* x, GLOBAL const float* y, int n) {
    int i = GROUP_X * LOCAL_SIZE + LOCAL_ID;
    if (i < n) {
        x[i] += y[i];
    }
}
