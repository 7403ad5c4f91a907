/*
 * Ignis kernel dialect -> OpenCL C 1.2.
 *
 * The kernels in cuda-kernels/ (the .cu files) are written once, in a small dialect of macros that this file
 * maps to OpenCL C and cuda-kernels/prelude_cuda.h maps to CUDA C++. Both preludes define the same
 * names with the same meaning, so a CUDA kernel and its OpenCL twin are the same text and CI (which
 * runs OpenCL on PoCL) checks the algorithm CUDA runs.
 *
 *   KERNEL                 a kernel entry point (extern "C" __global__ / __kernel)
 *   GLOBAL                 address space of kernel buffer arguments (nothing / __global)
 *   LOCAL                  work-group shared memory, at kernel scope (__shared__ / __local)
 *   LOCAL_PTR              qualifier of a DEVICE_FN's pointer parameter into LOCAL memory (nothing / __local)
 *   DEVICE_FN              a helper function (static __device__ inline / static inline)
 *   LOCAL_ID, LOCAL_SIZE   thread index in its group and the group's size (x dimension)
 *   GROUP_X, GROUP_Y       the group's index in the grid; GROUPS_X, GROUPS_Y the grid size
 *   BARRIER()              every thread of the group waits; local memory writes become visible
 *   half                   the IEEE binary16 storage type (only loaded and stored through:)
 *   LOAD_HALF(p, i)        float of half element i of p
 *   STORE_HALF(v, p, i)    stores float v, rounded to nearest even, as half element i of p
 *   AS_FLOAT(u), AS_UINT(f) bit casts between uint and float
 *   EXPF SQRTF FMAXF FMINF RSQRTF POWF COSF SINF FABSF   single-precision math
 *   FMAF(a, b, c)          a * b + c rounded once
 *   NEG_INFINITY           the float -inf
 *   uchar ushort uint      unsigned integer types; char is signed (8 bits), short 16, int 32
 *   GROUP_SUM_MAX_THREADS  the largest group size group_sum supports (256)
 *   HALF2, LOAD_HALF2(p, i) a tensor-core fragment register: fp16 elements i and i+1 (i even) of
 *                          the LOCAL half array p (uint holding both / float2 of their values)
 *   MMA_SCRATCH_FLOATS(w)  LOCAL floats mma_16x8x16 needs for a group of w warps (1 / w * 384)
 *   void mma_16x8x16(float* c, HALF2 a0..a3, HALF2 b0, HALF2 b1, LOCAL float* scratch)
 *                          c += A B for each 32-thread warp of the group: mma.sync.m16n8k16
 *                          (row-major A 16x16, column-major B 16x8, fp16 in, fp32 sums) with
 *                          PTX's fragment layout; OpenCL emulates it through scratch, so every
 *                          thread of the group must call it
 *   float group_sum(float v, LOCAL float* scratch)
 *                          sum of v over the group, returned to every thread; scratch holds
 *                          GROUP_SUM_MAX_THREADS floats; every thread of the group must call it
 *   float group_max(float v, LOCAL float* scratch)   likewise for the maximum
 */
#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local
#define LOCAL_PTR __local
#define DEVICE_FN static inline
#define LOCAL_ID ((int) get_local_id(0))
#define LOCAL_SIZE ((int) get_local_size(0))
#define GROUP_X ((int) get_group_id(0))
#define GROUP_Y ((int) get_group_id(1))
#define GROUPS_X ((int) get_num_groups(0))
#define GROUPS_Y ((int) get_num_groups(1))
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define LOAD_HALF(p, i) vload_half((i), (p))
#define STORE_HALF(v, p, i) vstore_half_rte((v), (i), (p))
#define AS_FLOAT(u) as_float(u)
#define AS_UINT(f) as_uint(f)
#define EXPF(x) exp(x)
#define SQRTF(x) sqrt(x)
#define RSQRTF(x) rsqrt(x)
#define FMAXF(a, b) fmax((a), (b))
#define FMINF(a, b) fmin((a), (b))
#define FABSF(x) fabs(x)
#define POWF(a, b) pow((a), (b))
#define COSF(x) cos(x)
#define SINF(x) sin(x)
#define FMAF(a, b, c) fma((a), (b), (c))
#define NEG_INFINITY AS_FLOAT(0xff800000u)
#define GROUP_SUM_MAX_THREADS 256

/*
 * group_sum / group_max, in one of three builds (the OpenCL backend picks by the device):
 *   IGNIS_SUBGROUPS                the device's subgroup reductions (cl_khr_subgroups, or
 *                                  cl_intel_subgroups), then one value per subgroup through local
 *                                  memory: two barriers instead of the tree's nine;
 *   IGNIS_EMULATED_SUBGROUP_SIZE=S the same two-level code over subgroups of S threads emulated
 *                                  in local memory, so that devices without subgroups (CI's)
 *                                  test it;
 *   neither                        a tree reduction in local memory (the portable default).
 */
#if defined(IGNIS_SUBGROUPS)
#if defined(cl_khr_subgroups)
#pragma OPENCL EXTENSION cl_khr_subgroups : enable
#else
#pragma OPENCL EXTENSION cl_intel_subgroups : enable
#endif
#define SUBGROUP_ID ((int) get_sub_group_id())
#define SUBGROUP_LANE ((int) get_sub_group_local_id())
#define SUBGROUPS ((int) get_num_sub_groups())
#define SUBGROUP_SUM(v, scratch) sub_group_reduce_add(v)
#define SUBGROUP_MAX(v, scratch) sub_group_reduce_max(v)
#elif defined(IGNIS_EMULATED_SUBGROUP_SIZE)
#define SUBGROUP_ID (LOCAL_ID / IGNIS_EMULATED_SUBGROUP_SIZE)
#define SUBGROUP_LANE (LOCAL_ID % IGNIS_EMULATED_SUBGROUP_SIZE)
#define SUBGROUPS ((LOCAL_SIZE + IGNIS_EMULATED_SUBGROUP_SIZE - 1) / IGNIS_EMULATED_SUBGROUP_SIZE)
#define SUBGROUP_SUM(v, scratch) emulated_subgroup_reduce((v), (scratch), 0)
#define SUBGROUP_MAX(v, scratch) emulated_subgroup_reduce((v), (scratch), 1)

/* Every thread's v through scratch, then each thread reduces its own subgroup's values in order. */
DEVICE_FN float emulated_subgroup_reduce(float v, LOCAL float* scratch, int takeMax) {
    scratch[LOCAL_ID] = v;
    BARRIER();
    int first = SUBGROUP_ID * IGNIS_EMULATED_SUBGROUP_SIZE;
    int end = min(first + IGNIS_EMULATED_SUBGROUP_SIZE, LOCAL_SIZE);
    float r = scratch[first];
    for (int i = first + 1; i < end; i++) {
        r = takeMax ? fmax(r, scratch[i]) : r + scratch[i];
    }
    BARRIER();
    return r;
}
#endif

#if defined(SUBGROUP_SUM)
/* The subgroups' results through scratch; every thread combines them in subgroup order. */
DEVICE_FN float group_sum(float v, LOCAL float* scratch) {
    float part = SUBGROUP_SUM(v, scratch);
    if (SUBGROUP_LANE == 0) {
        scratch[SUBGROUP_ID] = part;
    }
    BARRIER();
    float total = scratch[0];
    for (int i = 1; i < SUBGROUPS; i++) {
        total += scratch[i];
    }
    BARRIER();
    return total;
}

DEVICE_FN float group_max(float v, LOCAL float* scratch) {
    float part = SUBGROUP_MAX(v, scratch);
    if (SUBGROUP_LANE == 0) {
        scratch[SUBGROUP_ID] = part;
    }
    BARRIER();
    float best = scratch[0];
    for (int i = 1; i < SUBGROUPS; i++) {
        best = fmax(best, scratch[i]);
    }
    BARRIER();
    return best;
}
#else
/* Tree reductions in local memory. */
DEVICE_FN float group_sum(float v, LOCAL float* scratch) {
    int lid = LOCAL_ID;
    int n = LOCAL_SIZE;
    scratch[lid] = v;
    BARRIER();
    for (int stride = GROUP_SUM_MAX_THREADS / 2; stride > 0; stride >>= 1) {
        if (lid < stride && lid + stride < n) {
            scratch[lid] += scratch[lid + stride];
        }
        BARRIER();
    }
    float total = scratch[0];
    BARRIER();
    return total;
}

DEVICE_FN float group_max(float v, LOCAL float* scratch) {
    int lid = LOCAL_ID;
    int n = LOCAL_SIZE;
    scratch[lid] = v;
    BARRIER();
    for (int stride = GROUP_SUM_MAX_THREADS / 2; stride > 0; stride >>= 1) {
        if (lid < stride && lid + stride < n) {
            scratch[lid] = fmax(scratch[lid], scratch[lid + stride]);
        }
        BARRIER();
    }
    float best = scratch[0];
    BARRIER();
    return best;
}
#endif

/*
 * mma.sync.m16n8k16 emulated, so the CUDA GEMM's fragment loads run (and are checked) here too.
 * With groupID g = lane / 4 and t = lane % 4 (PTX's matrix fragment tables):
 *   A: a0 = A[g][2t..2t+1], a1 = A[g+8][2t..], a2 = A[g][2t+8..], a3 = A[g+8][2t+8..]
 *   B: b0 = B[2t..2t+1][g], b1 = B[2t+8..2t+9][g]
 *   C: c0, c1 = C[g][2t], C[g][2t+1]; c2, c3 = C[g+8][2t], C[g+8][2t+1]
 * Each warp writes its fragments into its own 384 floats of scratch, then each thread sums its
 * four outputs in order of k.
 */
typedef float2 HALF2;
#define LOAD_HALF2(p, i) ((float2) (vload_half((i), (p)), vload_half((i) + 1, (p))))
#define MMA_SCRATCH_FLOATS(warps) ((warps) * 384)

DEVICE_FN void mma_16x8x16(float* c, HALF2 a0, HALF2 a1, HALF2 a2, HALF2 a3, HALF2 b0, HALF2 b1,
                           LOCAL float* scratch) {
    int lane = LOCAL_ID & 31;
    int g = lane >> 2;
    int t = lane & 3;
    LOCAL float* a = scratch + (LOCAL_ID >> 5) * 384; /* A[row][k] at row * 16 + k */
    LOCAL float* b = a + 256;                         /* B[k][n] at k * 8 + n */
    a[g * 16 + 2 * t] = a0.x;
    a[g * 16 + 2 * t + 1] = a0.y;
    a[(g + 8) * 16 + 2 * t] = a1.x;
    a[(g + 8) * 16 + 2 * t + 1] = a1.y;
    a[g * 16 + 2 * t + 8] = a2.x;
    a[g * 16 + 2 * t + 9] = a2.y;
    a[(g + 8) * 16 + 2 * t + 8] = a3.x;
    a[(g + 8) * 16 + 2 * t + 9] = a3.y;
    b[2 * t * 8 + g] = b0.x;
    b[(2 * t + 1) * 8 + g] = b0.y;
    b[(2 * t + 8) * 8 + g] = b1.x;
    b[(2 * t + 9) * 8 + g] = b1.y;
    BARRIER();
    for (int k = 0; k < 16; k++) {
        float top = a[g * 16 + k];
        float bottom = a[(g + 8) * 16 + k];
        float left = b[k * 8 + 2 * t];
        float right = b[k * 8 + 2 * t + 1];
        c[0] = fma(top, left, c[0]);
        c[1] = fma(top, right, c[1]);
        c[2] = fma(bottom, left, c[2]);
        c[3] = fma(bottom, right, c[3]);
    }
    BARRIER();
}
