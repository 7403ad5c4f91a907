/*
 * Fused dequantize + matrix product over weight rows in their GGUF layout, and the embedding
 * lookup that dequantizes rows of the same layouts.
 *
 * matmul_<type>: y[t][r] = sum_i w[r][i] * x[t][i] for tokens t < tokens, rows r < rows. One
 * group per (row, MATMUL_TOKENS tokens): each thread dequantizes 32-value chunks of the row once
 * and multiplies them into every token of its tile; one group reduction per token. Decode is the
 * one-token case (a GEMV); prefill reads each weight chunk once per MATMUL_TOKENS tokens.
 * Grid: GROUPS_X = rows, GROUPS_Y = ceil(tokens / MATMUL_TOKENS).
 *
 * embed_<type>: out[t] = row tokens[t] of the table, dequantized. Grid: GROUPS_X = tokens.
 */
#include "quant_blocks.h"

#define MATMUL_TOKENS 4

#define DEFINE_ROW_KERNELS(TYPE)                                                                   \
KERNEL void matmul_##TYPE(GLOBAL const uchar* w, int rowBytes, GLOBAL const float* x,              \
                          GLOBAL float* y, int cols, int rows, int tokens) {                       \
    LOCAL float scratch[GROUP_SUM_MAX_THREADS];                                                    \
    int row = GROUP_X;                                                                             \
    int firstToken = GROUP_Y * MATMUL_TOKENS;                                                      \
    GLOBAL const uchar* weights = w + (long) row * rowBytes;                                       \
    float acc[MATMUL_TOKENS];                                                                      \
    for (int t = 0; t < MATMUL_TOKENS; t++) {                                                      \
        acc[t] = 0.0f;                                                                             \
    }                                                                                              \
    float values[32];                                                                              \
    int chunks = (cols + 31) / 32;                                                                 \
    for (int c = LOCAL_ID; c < chunks; c += LOCAL_SIZE) {                                          \
        int n = min(32, cols - 32 * c);                                                            \
        dequant32_##TYPE(weights, c, n, values);                                                   \
        for (int t = 0; t < MATMUL_TOKENS; t++) {                                                  \
            if (firstToken + t < tokens) {                                                         \
                GLOBAL const float* xt = x + (long) (firstToken + t) * cols + 32 * c;              \
                float sum = 0.0f;                                                                  \
                for (int j = 0; j < n; j++) {                                                      \
                    sum += values[j] * xt[j];                                                      \
                }                                                                                  \
                acc[t] += sum;                                                                     \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    for (int t = 0; t < MATMUL_TOKENS; t++) {                                                      \
        float total = group_sum(acc[t], scratch);                                                  \
        if (LOCAL_ID == 0 && firstToken + t < tokens) {                                            \
            y[(long) (firstToken + t) * rows + row] = total;                                       \
        }                                                                                          \
    }                                                                                              \
}                                                                                                  \
                                                                                                   \
KERNEL void embed_##TYPE(GLOBAL const uchar* table, int rowBytes, GLOBAL const int* tokens,        \
                         GLOBAL float* out, int dim) {                                             \
    int t = GROUP_X;                                                                               \
    GLOBAL const uchar* row = table + (long) tokens[t] * rowBytes;                                 \
    GLOBAL float* dst = out + (long) t * dim;                                                      \
    float values[32];                                                                              \
    int chunks = (dim + 31) / 32;                                                                  \
    for (int c = LOCAL_ID; c < chunks; c += LOCAL_SIZE) {                                          \
        int n = min(32, dim - 32 * c);                                                             \
        dequant32_##TYPE(row, c, n, values);                                                       \
        for (int j = 0; j < n; j++) {                                                              \
            dst[32 * c + j] = values[j];                                                           \
        }                                                                                          \
    }                                                                                              \
}

DEFINE_ROW_KERNELS(f32)
DEFINE_ROW_KERNELS(f16)
DEFINE_ROW_KERNELS(bf16)
DEFINE_ROW_KERNELS(q8_0)
DEFINE_ROW_KERNELS(q4_0)
DEFINE_ROW_KERNELS(q4_1)
DEFINE_ROW_KERNELS(q5_0)
DEFINE_ROW_KERNELS(q4_k)
DEFINE_ROW_KERNELS(q5_k)
DEFINE_ROW_KERNELS(q6_k)
