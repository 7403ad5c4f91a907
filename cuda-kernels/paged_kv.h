/*
 * Paged KV (vLLM-style): a pool of blocks of blockTokens positions; a sequence's block table says
 * which block holds its positions [i * blockTokens, (i+1) * blockTokens). A batched step's ints,
 * uploaded once per step: step[t] is token t's position, step[tokens + t] the index in step at
 * which its sequence's block table starts.
 */
#pragma once

/* The cache row of position p through table; blockTokens 0 means a contiguous cache (row p). */
DEVICE_FN long kv_row(GLOBAL const int* table, int blockTokens, int p) {
    return blockTokens == 0 ? (long) p : (long) table[p / blockTokens] * blockTokens + p % blockTokens;
}

DEVICE_FN GLOBAL const int* step_table(GLOBAL const int* step, int tokens, int t) {
    return step + step[tokens + t];
}
