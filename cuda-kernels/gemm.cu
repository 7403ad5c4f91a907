/*
 * Tiled fused dequantize + matrix product for prefill and batched decode (many tokens).
 *
 * gemm_<type>: y[t][r] = sum_i w[r][i] * x[t][i], the same arguments and result as matmul_<type>
 * (matmul.cu), but each weight value is dequantized once per GEMM_TILE_TOKENS tokens instead of
 * once per MATMUL_TOKENS. A group of GEMM_THREADS (128) threads computes a tile of GEMM_TILE_ROWS
 * (64) weight rows x GEMM_TILE_TOKENS (32) tokens, walking K in 32-value chunks (one dequant32
 * chunk, the smallest unit every block layout decodes):
 *   - threads 0..63 each dequantize their row's chunk into wTile[k][row] (row-contiguous, so the
 *     stores and the later reads of a warp hit distinct banks); threads 64..127 copy the tokens'
 *     32-value slice of x into xTile[k][token] (row pitch 33: the column-wise stores of a warp
 *     would otherwise all hit one bank). Rows, tokens and columns past the edge read as zero.
 *   - BARRIER; each thread multiplies a 4 rows x 4 tokens register micro-tile (rows
 *     rowLane + 16 i, tokens tokenLane + 8 j, so a warp reads 16 distinct wTile words and two
 *     xTile words: no bank conflicts) over the chunk's 32 values, summing the chunk on its own
 *     before adding it to the running total (as matmul_ does; keeps long rows accurate); BARRIER.
 * Local memory: 64 x 32 + 32 x 33 floats = 12.4 KiB. No tensor cores: the same text runs on CUDA
 * and on OpenCL 1.2 (PoCL in CI).
 * Grid: GROUPS_X = ceil(rows / GEMM_TILE_ROWS), GROUPS_Y = ceil(tokens / GEMM_TILE_TOKENS);
 * group size GEMM_THREADS.
 */
#include "quant_blocks.h"

#define GEMM_TILE_ROWS 64
#define GEMM_TILE_TOKENS 32
#define GEMM_THREADS 128
#define GEMM_X_PITCH (GEMM_TILE_TOKENS + 1)

#define DEFINE_GEMM_KERNEL(TYPE)                                                                   \
KERNEL void gemm_##TYPE(GLOBAL const uchar* w, int rowBytes, GLOBAL const float* x,                \
                        GLOBAL float* y, int cols, int rows, int tokens) {                         \
    LOCAL float wTile[32 * GEMM_TILE_ROWS];                                                        \
    LOCAL float xTile[32 * GEMM_X_PITCH];                                                          \
    int lid = LOCAL_ID;                                                                            \
    int firstRow = GROUP_X * GEMM_TILE_ROWS;                                                       \
    int firstToken = GROUP_Y * GEMM_TILE_TOKENS;                                                   \
    int rowLane = lid & 15;                                                                        \
    int tokenLane = lid >> 4;                                                                      \
    /* The loader's row (threads 0..63) or first x element (threads 64..127). */                  \
    int loadRow = firstRow + lid;                                                                  \
    bool rowLoader = lid < GEMM_TILE_ROWS;                                                         \
    bool rowInside = rowLoader && loadRow < rows;                                                  \
    GLOBAL const uchar* weights = w + (long) (rowInside ? loadRow : 0) * rowBytes;                 \
    float acc[4][4];                                                                               \
    for (int i = 0; i < 4; i++) {                                                                  \
        for (int j = 0; j < 4; j++) {                                                              \
            acc[i][j] = 0.0f;                                                                      \
        }                                                                                          \
    }                                                                                              \
    float values[32];                                                                              \
    int chunks = (cols + 31) / 32;                                                                 \
    for (int c = 0; c < chunks; c++) {                                                             \
        int n = min(32, cols - 32 * c);                                                            \
        if (rowLoader) {                                                                           \
            if (rowInside) {                                                                       \
                dequant32_##TYPE(weights, c, n, values);                                           \
            }                                                                                      \
            for (int k = 0; k < 32; k++) {                                                         \
                wTile[k * GEMM_TILE_ROWS + lid] = rowInside && k < n ? values[k] : 0.0f;           \
            }                                                                                      \
        } else {                                                                                   \
            for (int e = lid - GEMM_TILE_ROWS; e < 32 * GEMM_TILE_TOKENS;                          \
                 e += GEMM_THREADS - GEMM_TILE_ROWS) {                                             \
                int t = e >> 5;                                                                    \
                int k = e & 31;                                                                    \
                float v = 0.0f;                                                                    \
                if (firstToken + t < tokens && k < n) {                                            \
                    v = x[(long) (firstToken + t) * cols + 32 * c + k];                            \
                }                                                                                  \
                xTile[k * GEMM_X_PITCH + t] = v;                                                   \
            }                                                                                      \
        }                                                                                          \
        BARRIER();                                                                                 \
        float part[4][4];                                                                          \
        for (int i = 0; i < 4; i++) {                                                              \
            for (int j = 0; j < 4; j++) {                                                          \
                part[i][j] = 0.0f;                                                                 \
            }                                                                                      \
        }                                                                                          \
        for (int k = 0; k < 32; k++) {                                                             \
            float a[4];                                                                            \
            float b[4];                                                                            \
            for (int i = 0; i < 4; i++) {                                                          \
                a[i] = wTile[k * GEMM_TILE_ROWS + rowLane + 16 * i];                               \
            }                                                                                      \
            for (int j = 0; j < 4; j++) {                                                          \
                b[j] = xTile[k * GEMM_X_PITCH + tokenLane + 8 * j];                                \
            }                                                                                      \
            for (int i = 0; i < 4; i++) {                                                          \
                for (int j = 0; j < 4; j++) {                                                      \
                    part[i][j] = FMAF(a[i], b[j], part[i][j]);                                     \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        for (int i = 0; i < 4; i++) {                                                              \
            for (int j = 0; j < 4; j++) {                                                          \
                acc[i][j] += part[i][j];                                                           \
            }                                                                                      \
        }                                                                                          \
        BARRIER();                                                                                 \
    }                                                                                              \
    for (int j = 0; j < 4; j++) {                                                                  \
        int t = firstToken + tokenLane + 8 * j;                                                    \
        for (int i = 0; i < 4; i++) {                                                              \
            int r = firstRow + rowLane + 16 * i;                                                   \
            if (t < tokens && r < rows) {                                                          \
                y[(long) t * rows + r] = acc[i][j];                                                \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
}

DEFINE_GEMM_KERNEL(f32)
DEFINE_GEMM_KERNEL(f16)
DEFINE_GEMM_KERNEL(bf16)
DEFINE_GEMM_KERNEL(q8_0)
DEFINE_GEMM_KERNEL(q4_0)
DEFINE_GEMM_KERNEL(q4_1)
DEFINE_GEMM_KERNEL(q5_0)
DEFINE_GEMM_KERNEL(q4_k)
DEFINE_GEMM_KERNEL(q5_k)
DEFINE_GEMM_KERNEL(q6_k)
