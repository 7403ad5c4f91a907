/*
 * Dequantization of GGUF weight rows, 32 values at a time, for every weight type Ignis reads.
 * Weights stay in the file's block layout in device memory; a row starts at a block boundary.
 * dequant32_<type>(row, chunk, n, out) writes values 32*chunk .. 32*chunk+n-1 of the row to out
 * (n < 32 only for the float types' last chunk). Layouts as ggml's block_<type> structs.
 *
 * The block types (and F16) also have quant32_<type>(row, chunk, n, q, scale, offset): the same
 * chunk as value l = scale[l >> 4] * q[l] + offset[l >> 4], with q small integers (or, for F16,
 * the fp16 values themselves), so q is exact in fp16 and the tensor-core GEMM (gemm_mma.cu) can
 * multiply it without rounding the weights. Their dequant32_ is that formula.
 */
#pragma once

/* The signed value of a byte (the GGUF quants are two's complement). */
DEVICE_FN int s8(uchar b) {
    return (int) b - ((b & 0x80) << 1);
}

DEVICE_FN float half_at(GLOBAL const uchar* p) {
    return LOAD_HALF((GLOBAL const half*) p, 0);
}

DEVICE_FN uint u32_at(GLOBAL const uchar* p) {
    return (uint) p[0] | (uint) p[1] << 8 | (uint) p[2] << 16 | (uint) p[3] << 24;
}

DEVICE_FN void dequant32_f32(GLOBAL const uchar* row, int chunk, int n, float* out) {
    GLOBAL const float* v = (GLOBAL const float*) row + 32 * chunk;
    for (int j = 0; j < n; j++) {
        out[j] = v[j];
    }
}

DEVICE_FN void dequant32_f16(GLOBAL const uchar* row, int chunk, int n, float* out) {
    GLOBAL const half* v = (GLOBAL const half*) row + 32 * chunk;
    for (int j = 0; j < n; j++) {
        out[j] = LOAD_HALF(v, j);
    }
}

DEVICE_FN void dequant32_bf16(GLOBAL const uchar* row, int chunk, int n, float* out) {
    GLOBAL const ushort* v = (GLOBAL const ushort*) row + 32 * chunk;
    for (int j = 0; j < n; j++) {
        out[j] = AS_FLOAT((uint) v[j] << 16);
    }
}

/* F16 for the tensor-core GEMM: the values as they are (scale 1, offset 0); past n, zeros. */
DEVICE_FN void quant32_f16(GLOBAL const uchar* row, int chunk, int n, float* q, float* scale, float* offset) {
    GLOBAL const half* v = (GLOBAL const half*) row + 32 * chunk;
    for (int j = 0; j < 32; j++) {
        q[j] = j < n ? LOAD_HALF(v, j) : 0.0f;
    }
    scale[0] = scale[1] = 1.0f;
    offset[0] = offset[1] = 0.0f;
}

/* One scale for the whole chunk, no offset. */
DEVICE_FN void uniform_scale(float d, float* scale, float* offset) {
    scale[0] = scale[1] = d;
    offset[0] = offset[1] = 0.0f;
}

/* block_q8_0: half d, 32 int8 quants; x = d * q. */
DEVICE_FN void quant32_q8_0(GLOBAL const uchar* row, int chunk, int n, float* q, float* scale, float* offset) {
    GLOBAL const uchar* b = row + 34 * chunk;
    for (int j = 0; j < 32; j++) {
        q[j] = (float) s8(b[2 + j]);
    }
    uniform_scale(half_at(b), scale, offset);
}

/* block_q4_0: half d, 16 bytes of nibbles (low nibbles values 0-15, high 16-31); x = d * (q - 8). */
DEVICE_FN void quant32_q4_0(GLOBAL const uchar* row, int chunk, int n, float* q, float* scale, float* offset) {
    GLOBAL const uchar* b = row + 18 * chunk;
    for (int j = 0; j < 16; j++) {
        uchar v = b[2 + j];
        q[j] = (float) ((v & 0xF) - 8);
        q[j + 16] = (float) ((v >> 4) - 8);
    }
    uniform_scale(half_at(b), scale, offset);
}

/* block_q4_1: half d, half m, 16 bytes of nibbles; x = d * q + m. */
DEVICE_FN void quant32_q4_1(GLOBAL const uchar* row, int chunk, int n, float* q, float* scale, float* offset) {
    GLOBAL const uchar* b = row + 20 * chunk;
    for (int j = 0; j < 16; j++) {
        uchar v = b[4 + j];
        q[j] = (float) (v & 0xF);
        q[j + 16] = (float) (v >> 4);
    }
    scale[0] = scale[1] = half_at(b);
    offset[0] = offset[1] = half_at(b + 2);
}

/* block_q5_0: half d, 32 fifth bits (qh), 16 bytes of nibbles; x = d * (q - 16). */
DEVICE_FN void quant32_q5_0(GLOBAL const uchar* row, int chunk, int n, float* q, float* scale, float* offset) {
    GLOBAL const uchar* b = row + 22 * chunk;
    uint qh = u32_at(b + 2);
    for (int j = 0; j < 16; j++) {
        uchar v = b[6 + j];
        int low = (v & 0xF) | ((qh >> j) & 1) << 4;
        int high = (v >> 4) | ((qh >> (j + 16)) & 1) << 4;
        q[j] = (float) (low - 16);
        q[j + 16] = (float) (high - 16);
    }
    uniform_scale(half_at(b), scale, offset);
}

/* The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block's 12-byte field. */
DEVICE_FN void k_scale_min(GLOBAL const uchar* s, int j, int* scale, int* min) {
    if (j < 4) {
        *scale = s[j] & 63;
        *min = s[j + 4] & 63;
    } else {
        *scale = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        *min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/* Sub-block sub's d * scale and -(dmin * min) of a Q4_K/Q5_K block (x = d * scale * q - dmin * min). */
DEVICE_FN void k_sub_block_scale(GLOBAL const uchar* b, int sub, float* scale, float* offset) {
    int sc, m;
    k_scale_min(b + 4, sub, &sc, &m);
    scale[0] = scale[1] = half_at(b) * (float) sc;
    offset[0] = offset[1] = -(half_at(b + 2) * (float) m);
}

/* block_q4_K (256 values): half d, half dmin, 12 bytes of scales/mins, 128 bytes of nibbles. */
DEVICE_FN void quant32_q4_k(GLOBAL const uchar* row, int chunk, int n, float* q, float* scale, float* offset) {
    GLOBAL const uchar* b = row + 144 * (chunk >> 3);
    int sub = chunk & 7;
    GLOBAL const uchar* qs = b + 16 + 32 * (sub >> 1);
    int shift = 4 * (sub & 1);
    for (int l = 0; l < 32; l++) {
        q[l] = (float) ((qs[l] >> shift) & 0xF);
    }
    k_sub_block_scale(b, sub, scale, offset);
}

/* block_q5_K (256 values): as Q4_K plus 32 bytes of fifth bits (bit sub of byte l). */
DEVICE_FN void quant32_q5_k(GLOBAL const uchar* row, int chunk, int n, float* q, float* scale, float* offset) {
    GLOBAL const uchar* b = row + 176 * (chunk >> 3);
    int sub = chunk & 7;
    GLOBAL const uchar* qh = b + 16;
    GLOBAL const uchar* qs = b + 48 + 32 * (sub >> 1);
    int shift = 4 * (sub & 1);
    for (int l = 0; l < 32; l++) {
        q[l] = (float) (((qs[l] >> shift) & 0xF) | ((qh[l] >> sub) & 1) << 4);
    }
    k_sub_block_scale(b, sub, scale, offset);
}

/*
 * block_q6_K (256 values): 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8
 * scales (one per 16 values), half d; x = d * scale * (q - 32).
 */
DEVICE_FN void quant32_q6_k(GLOBAL const uchar* row, int chunk, int n, float* q, float* scale, float* offset) {
    GLOBAL const uchar* b = row + 210 * (chunk >> 3);
    int sub = chunk & 7;
    int h = sub >> 2;
    int k = sub & 3;
    GLOBAL const uchar* ql = b + 64 * h + 32 * (k & 1);
    GLOBAL const uchar* qh = b + 128 + 32 * h;
    int lowShift = 4 * (k >> 1);
    for (int l = 0; l < 32; l++) {
        q[l] = (float) ((((ql[l] >> lowShift) & 0xF) | ((qh[l] >> (2 * k)) & 3) << 4) - 32);
    }
    float d = half_at(b + 208);
    for (int s = 0; s < 2; s++) {
        scale[s] = d * (float) s8(b[192 + 8 * h + 2 * k + s]);
        offset[s] = 0.0f;
    }
}

#define DEFINE_DEQUANT32_OF_QUANT32(TYPE)                                                          \
DEVICE_FN void dequant32_##TYPE(GLOBAL const uchar* row, int chunk, int n, float* out) {           \
    float scale[2];                                                                                \
    float offset[2];                                                                               \
    quant32_##TYPE(row, chunk, n, out, scale, offset);                                             \
    for (int l = 0; l < 32; l++) {                                                                 \
        out[l] = scale[l >> 4] * out[l] + offset[l >> 4];                                          \
    }                                                                                              \
}

DEFINE_DEQUANT32_OF_QUANT32(q8_0)
DEFINE_DEQUANT32_OF_QUANT32(q4_0)
DEFINE_DEQUANT32_OF_QUANT32(q4_1)
DEFINE_DEQUANT32_OF_QUANT32(q5_0)
DEFINE_DEQUANT32_OF_QUANT32(q4_k)
DEFINE_DEQUANT32_OF_QUANT32(q5_k)
DEFINE_DEQUANT32_OF_QUANT32(q6_k)
