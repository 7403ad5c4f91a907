/*
 * Fused dequantize + matrix product on tensor cores (mma.sync m16n8k16: fp16 in, fp32 sums) for
 * prefill and batched decode on CUDA devices of compute capability 8.0 and up.
 *
 * gemm_mma_<type>: y[t][r] = sum_i w[r][i] * x[t][i], the arguments and result of gemm_
 * (gemm.cu) and on the same grid of 64-row x 32-token tiles, walking K in 32-value chunks.
 * Nothing is rounded that fp32 would keep:
 *   - the weights enter as quant32_ gives them (quant_blocks.h): small integers, exact in fp16,
 *     with each half-chunk's scale and offset applied to the fp32 sums afterwards, as llama.cpp's
 *     quantized dot products apply d;
 *   - each activation is split into fp16 hi = fp16(x) and lo = fp16(x - hi), both multiplied, so
 *     x is carried to about 22 bits (activations beyond fp16's range, |x| > 65504, are not);
 *   - the offsets multiply the fp32 sum of the half-chunk's activations.
 * A group of MMA_THREADS (128, four warps) fills the chunk's tiles, then each warp multiplies its
 * 16 rows with the tile's 32 tokens (four 8-token mma columns, hi and lo) per 16-value half:
 *   - threads 0..63 each run their row's quant32_ into wq[row][k] (fp16) and its two scales and
 *     offsets; threads 64..127 each copy 16 values (half (l & 1) of token l / 2, l = thread - 64)
 *     into xHi/xLo[token][k] and their sum into xSum. Rows, tokens and columns past the edge are
 *     zeros.
 *   - tile rows are MMA_PITCH (40) halves apart, so the eight rows of a warp's fragment loads
 *     fall on distinct banks.
 * The fragment layout is PTX's (tornado/prelude_opencl.h writes it out); OpenCL runs the same
 * text with mma_16x8x16 emulated, which is how CI checks it.
 * Grid: GROUPS_X = ceil(rows / 64), GROUPS_Y = ceil(tokens / 32); group size MMA_THREADS.
 */
#include "quant_blocks.h"

#define MMA_TILE_ROWS 64
#define MMA_TILE_TOKENS 32
#define MMA_THREADS 128
#define MMA_PITCH 40

#define DEFINE_GEMM_MMA_KERNEL(TYPE)                                                               \
KERNEL void gemm_mma_##TYPE(GLOBAL const uchar* w, int rowBytes, GLOBAL const float* x,            \
                            GLOBAL float* y, int cols, int rows, int tokens) {                     \
    LOCAL ushort wqBits[MMA_TILE_ROWS * MMA_PITCH];                                                \
    LOCAL ushort xHiBits[MMA_TILE_TOKENS * MMA_PITCH];                                             \
    LOCAL ushort xLoBits[MMA_TILE_TOKENS * MMA_PITCH];                                             \
    LOCAL float wScale[2 * MMA_TILE_ROWS];                                                         \
    LOCAL float wOffset[2 * MMA_TILE_ROWS];                                                        \
    LOCAL float xSum[2 * MMA_TILE_TOKENS];                                                         \
    LOCAL float mmaScratch[MMA_SCRATCH_FLOATS(MMA_THREADS / 32)];                                  \
    LOCAL_PTR half* wq = (LOCAL_PTR half*) wqBits;                                                 \
    LOCAL_PTR half* xHi = (LOCAL_PTR half*) xHiBits;                                               \
    LOCAL_PTR half* xLo = (LOCAL_PTR half*) xLoBits;                                               \
    int lid = LOCAL_ID;                                                                            \
    int firstRow = GROUP_X * MMA_TILE_ROWS;                                                        \
    int firstToken = GROUP_Y * MMA_TILE_TOKENS;                                                    \
    /* this thread's place in its warp's fragments */                                              \
    int warpRow = 16 * (lid >> 5);                                                                 \
    int g = (lid & 31) >> 2;                                                                       \
    int t = lid & 3;                                                                               \
    bool rowLoader = lid < MMA_TILE_ROWS;                                                          \
    bool rowInside = rowLoader && firstRow + lid < rows;                                           \
    GLOBAL const uchar* weights = w + (long) (rowInside ? firstRow + lid : 0) * rowBytes;          \
    int xLoader = lid - MMA_TILE_ROWS;                                                             \
    bool tokenInside = !rowLoader && firstToken + (xLoader >> 1) < tokens;                         \
    GLOBAL const float* xRow = x + (long) (tokenInside ? firstToken + (xLoader >> 1) : 0) * cols;  \
    float acc[16]; /* [4 j + i]: mma column j (tokens 8j..8j+7), fragment element i */             \
    for (int i = 0; i < 16; i++) {                                                                 \
        acc[i] = 0.0f;                                                                             \
    }                                                                                              \
    float q[32];                                                                                   \
    float scale[2];                                                                                \
    float offset[2];                                                                               \
    int chunks = (cols + 31) / 32;                                                                 \
    for (int c = 0; c < chunks; c++) {                                                             \
        int n = min(32, cols - 32 * c);                                                            \
        if (rowLoader) {                                                                           \
            if (rowInside) {                                                                       \
                quant32_##TYPE(weights, c, n, q, scale, offset);                                   \
            } else {                                                                               \
                for (int k = 0; k < 32; k++) {                                                     \
                    q[k] = 0.0f;                                                                   \
                }                                                                                  \
                scale[0] = scale[1] = offset[0] = offset[1] = 0.0f;                                \
            }                                                                                      \
            for (int k = 0; k < 32; k++) {                                                         \
                STORE_HALF(q[k], wq, lid * MMA_PITCH + k);                                         \
            }                                                                                      \
            for (int h = 0; h < 2; h++) {                                                          \
                wScale[2 * lid + h] = scale[h];                                                    \
                wOffset[2 * lid + h] = offset[h];                                                  \
            }                                                                                      \
        } else {                                                                                   \
            int at = (xLoader >> 1) * MMA_PITCH + 16 * (xLoader & 1);                              \
            int k0 = 16 * (xLoader & 1);                                                           \
            float sum = 0.0f;                                                                      \
            for (int k = 0; k < 16; k++) {                                                         \
                float v = tokenInside && k0 + k < n ? xRow[32 * c + k0 + k] : 0.0f;                \
                STORE_HALF(v, xHi, at + k);                                                        \
                STORE_HALF(v - LOAD_HALF(xHi, at + k), xLo, at + k);                               \
                sum += v;                                                                          \
            }                                                                                      \
            xSum[xLoader] = sum;                                                                   \
        }                                                                                          \
        BARRIER();                                                                                 \
        int top = warpRow + g;                                                                     \
        for (int h = 0; h < 2; h++) {                                                              \
            int aAt = top * MMA_PITCH + 16 * h + 2 * t;                                            \
            HALF2 a0 = LOAD_HALF2(wq, aAt);                                                        \
            HALF2 a1 = LOAD_HALF2(wq, aAt + 8 * MMA_PITCH);                                        \
            HALF2 a2 = LOAD_HALF2(wq, aAt + 8);                                                    \
            HALF2 a3 = LOAD_HALF2(wq, aAt + 8 * MMA_PITCH + 8);                                    \
            float topScale = wScale[2 * top + h];                                                  \
            float topOffset = wOffset[2 * top + h];                                                \
            float bottomScale = wScale[2 * (top + 8) + h];                                         \
            float bottomOffset = wOffset[2 * (top + 8) + h];                                       \
            for (int j = 0; j < 4; j++) {                                                          \
                int bAt = (8 * j + g) * MMA_PITCH + 16 * h + 2 * t;                                \
                float part[4] = {0.0f, 0.0f, 0.0f, 0.0f};                                          \
                mma_16x8x16(part, a0, a1, a2, a3, LOAD_HALF2(xHi, bAt), LOAD_HALF2(xHi, bAt + 8),  \
                            mmaScratch);                                                           \
                mma_16x8x16(part, a0, a1, a2, a3, LOAD_HALF2(xLo, bAt), LOAD_HALF2(xLo, bAt + 8),  \
                            mmaScratch);                                                           \
                int token = 8 * j + 2 * t;                                                         \
                float leftSum = xSum[2 * token + h];                                               \
                float rightSum = xSum[2 * (token + 1) + h];                                        \
                acc[4 * j] += topScale * part[0] + topOffset * leftSum;                            \
                acc[4 * j + 1] += topScale * part[1] + topOffset * rightSum;                       \
                acc[4 * j + 2] += bottomScale * part[2] + bottomOffset * leftSum;                  \
                acc[4 * j + 3] += bottomScale * part[3] + bottomOffset * rightSum;                 \
            }                                                                                      \
        }                                                                                          \
        BARRIER();                                                                                 \
    }                                                                                              \
    for (int j = 0; j < 4; j++) {                                                                  \
        for (int i = 0; i < 4; i++) {                                                              \
            int r = firstRow + warpRow + g + 8 * (i >> 1);                                         \
            int token = firstToken + 8 * j + 2 * t + (i & 1);                                      \
            if (token < tokens && r < rows) {                                                      \
                y[(long) token * rows + r] = acc[4 * j + i];                                       \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
}

DEFINE_GEMM_MMA_KERNEL(f16)
DEFINE_GEMM_MMA_KERNEL(q8_0)
DEFINE_GEMM_MMA_KERNEL(q4_0)
DEFINE_GEMM_MMA_KERNEL(q4_1)
DEFINE_GEMM_MMA_KERNEL(q5_0)
DEFINE_GEMM_MMA_KERNEL(q4_k)
DEFINE_GEMM_MMA_KERNEL(q5_k)
DEFINE_GEMM_MMA_KERNEL(q6_k)
