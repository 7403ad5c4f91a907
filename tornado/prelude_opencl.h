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

/* Portable tree reductions in local memory (OpenCL 1.2 has no subgroup functions everywhere). */
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
