/*
 * Ignis kernel dialect -> CUDA C++. The twin of tornado/prelude_opencl.h, which documents every
 * name; native-build passes this file to nvcc with -include, so the .cu sources need no include
 * of their own for it.
 */
#pragma once
#include <cuda_fp16.h>

typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef __half half;

#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL __shared__
#define LOCAL_PTR
#define DEVICE_FN static __device__ __forceinline__
#define LOCAL_ID ((int) threadIdx.x)
#define LOCAL_SIZE ((int) blockDim.x)
#define GROUP_X ((int) blockIdx.x)
#define GROUP_Y ((int) blockIdx.y)
#define GROUPS_X ((int) gridDim.x)
#define GROUPS_Y ((int) gridDim.y)
#define BARRIER() __syncthreads()
#define LOAD_HALF(p, i) __half2float((p)[i])
#define STORE_HALF(v, p, i) ((p)[i] = __float2half_rn(v))
#define AS_FLOAT(u) __uint_as_float(u)
#define AS_UINT(f) __float_as_uint(f)
#define EXPF(x) expf(x)
#define SQRTF(x) sqrtf(x)
#define RSQRTF(x) rsqrtf(x)
#define FMAXF(a, b) fmaxf((a), (b))
#define FMINF(a, b) fminf((a), (b))
#define FABSF(x) fabsf(x)
#define POWF(a, b) powf((a), (b))
#define COSF(x) cosf(x)
#define SINF(x) sinf(x)
#define FMAF(a, b, c) fmaf((a), (b), (c))
#define NEG_INFINITY AS_FLOAT(0xff800000u)
#define GROUP_SUM_MAX_THREADS 256

/* Warp shuffles first, then one value per warp through shared memory. */
DEVICE_FN float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);
    }
    return v;
}

DEVICE_FN float warp_max(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    }
    return v;
}

/* Group sizes are multiples of 32 (the launcher's contract on CUDA). */
DEVICE_FN float group_sum(float v, float* scratch) {
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    int warps = blockDim.x >> 5;
    v = warp_sum(v);
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    float total = lane < warps ? scratch[lane] : 0.0f;
    total = warp_sum(total);
    __syncthreads();
    return total;
}

DEVICE_FN float group_max(float v, float* scratch) {
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    int warps = blockDim.x >> 5;
    v = warp_max(v);
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    float best = lane < warps ? scratch[lane] : -INFINITY;
    best = warp_max(best);
    __syncthreads();
    return best;
}

/* Tensor cores (gemm_mma.cu): one register holds two fp16 values, the lower-indexed in the low half. */
typedef uint HALF2;
#define LOAD_HALF2(p, i) (*(const uint*) ((p) + (i)))
#define MMA_SCRATCH_FLOATS(warps) 1

DEVICE_FN void mma_16x8x16(float* c, HALF2 a0, HALF2 a1, HALF2 a2, HALF2 a3, HALF2 b0, HALF2 b1, float* scratch) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}
