package ignis.backend.cpu;

import ignis.model.LlamaConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention of a batch of queries over the KV cache, computed as llama.cpp's
 * CPU backend computes it (no flash attention): the query rounded to fp16 (the cache holds fp16),
 * softmax with ggml's exp and a double sum over 8-lane groups, the probabilities rounded to fp16
 * before weighting the values. The q.k and probability.value products sum in the order of the
 * kernel llama.cpp picks: tinyBLAS (one 8-lane accumulator) for a batch of tokens,
 * ggml_vec_dot_f16 (four 8-lane accumulators over 32-element steps) for a single token; the
 * cache is padded to 32 positions as llama.cpp's is. Parallel over (token, head) pairs, head by head.
 */
final class Attention implements WorkerPool.RangeTask {
    private static final int L = GgmlMath.LANES;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    /** ggml_vec_dot_f16's step: four accumulators of eight lanes. */
    private static final int STEP = 4 * L;
    /**
     * Lane shuffles for the reductions below, written out in the kernel rather than called:
     * a helper taking a vector that C2 does not inline boxes it (megabytes per token).
     */
    private static final VectorShuffle<Float> SWAP_HALVES = VectorShuffle.fromValues(F8, 4, 5, 6, 7, 0, 1, 2, 3);
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromValues(F8, 2, 3, 0, 1, 6, 7, 4, 5);
    private static final VectorShuffle<Float> SWAP_NEIGHBOURS = VectorShuffle.fromValues(F8, 1, 0, 3, 2, 5, 4, 7, 6);

    private final WorkerPool pool;
    private final int heads;
    private final int headDim;
    private final int kvDim;
    private final int groupSize;
    private final float scale;
    private final float[][] scores;
    private final float[][] query;
    /** Per thread: {@link #STEP} floats, the softmax's lane buffer and the batched weighted sums' accumulator slots. */
    private final float[][] lanes;

    /** Per thread, per 8-position group of the current token: key base and value base in the store (see {@link KvStore}). */
    private final int[][] groupKeyBase;
    private final int[][] groupValueBase;

    private KvBatch batch;
    private float[] keys;
    private float[] values;
    private float[] q;
    private float[] out;

    Attention(WorkerPool pool, LlamaConfig c, int capacity) {
        this.pool = pool;
        this.heads = c.heads();
        this.headDim = c.headDim();
        this.kvDim = c.kvDim();
        this.groupSize = c.groupSize();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        int threads = pool.threads();
        this.scores = new float[threads][capacity + L];
        this.query = new float[threads][headDim];
        this.lanes = new float[threads][STEP];
        int groups = (capacity + L - 1) / L + 1;
        this.groupKeyBase = new int[threads][groups];
        this.groupValueBase = new int[threads][groups];
    }

    int capacity() {
        return scores[0].length - L;
    }

    /**
     * {@code out[t][h]} = attention of query {@code q[t][h]} at position {@code batch.position[t]}
     * over positions {@code 0..batch.position[t]} of its sequence in one layer.
     */
    void attend(KvBatch batch, int layer, float[] q, float[] out) {
        this.batch = batch;
        this.keys = batch.store.keys[layer];
        this.values = batch.store.values[layer];
        this.q = q;
        this.out = out;
        pool.parallelFor(batch.tokens * heads, 1, this);
        this.out = null;
        this.batch = null;
    }

    /**
     * Resolves token {@code t}'s block table for its {@code positions}, per 8-position group (a
     * vector's worth; blocks hold whole groups): the offsets of the group's first key and of its
     * values' component 0, both for KV head 0.
     */
    private void mapGroups(int t, int positions, int[] keyBase, int[] valueBase) {
        int[] table = batch.table[t];
        int b = batch.store.blockTokens;
        for (int g = 0, p = 0; p < positions; g++, p += L) {
            int block = table[p / b];
            keyBase[g] = block * b * kvDim + p % b * headDim;
            valueBase[g] = block * b * kvDim + p % b;
        }
    }

    @Override
    public void run(int start, int end, int worker) {
        float[] s = scores[worker];
        float[] qh = query[worker];
        float[] lane = lanes[worker];
        int pairs = batch.tokens * heads;
        int tokens = batch.tokens;
        // the block table and length last mapped: a shorter prefix of the same table needs no new map
        int[] mappedTable = null;
        int mappedPositions = 0;
        for (int next = start; next < end; next++) {
            // head by head, so that a thread's next pair rereads the same head's keys and values
            // from its own cache; within a head the last tokens first: with causal attention they
            // cost the most, and the threads that take the first chunks should not be left with
            // the dearest at the end
            int pair = pairs - 1 - next;
            int t = pair % tokens;
            int h = pair / tokens;
            int qOffset = t * heads * headDim + h * headDim;
            int kvOffset = (h / groupSize) * headDim;
            // the head's keys within a block (see KvStore)
            int keyOffset = kvOffset * batch.store.blockTokens;
            int positions = batch.position[t] + 1;
            boolean batched = batch.batched[t];
            int[] keyBase = groupKeyBase[worker];
            int[] valueBase = groupValueBase[worker];
            if (batch.table[t] != mappedTable || positions > mappedPositions) {
                mapGroups(t, positions, keyBase, valueBase);
                mappedTable = batch.table[t];
                mappedPositions = positions;
            }
            for (int i = 0; i < headDim; i++) {
                qh[i] = Fp16.round(q[qOffset + i]);
            }
            float max = Float.NEGATIVE_INFINITY;
            int p = 0;
            if (batched && headDim % L == 0) {
                // four positions at a time (within one 8-position group): four independent sums
                for (; p + 4 <= positions; p += 4) {
                    dotsBatched(qh, keyBase[p / L] + p % L * headDim + keyOffset, s, p);
                    for (int u = p; u < p + 4; u++) {
                        s[u] *= scale;
                        max = Math.max(max, s[u]);
                    }
                }
            }
            if (!batched && headDim % STEP == 0) {
                // two positions at a time (within one 8-position group): eight independent sums
                for (; p + 2 <= positions; p += 2) {
                    dotsSingle(qh, keyBase[p / L] + p % L * headDim + keyOffset, s, p);
                    s[p] *= scale;
                    s[p + 1] *= scale;
                    max = Math.max(max, Math.max(s[p], s[p + 1]));
                }
            }
            for (; p < positions; p++) {
                float v = dotF16(qh, keys, keyBase[p / L] + p % L * headDim + keyOffset, batched) * scale;
                s[p] = v;
                max = Math.max(max, v);
            }
            softmax(s, positions, max, lane);
            weightedValues(s, positions, kvOffset, qOffset, worker, batched, valueBase);
        }
    }

    /**
     * The batch's q.k ({@link #dotF16}) of the keys at {@code kOffset} and the three after it in
     * the store, into {@code s[p..p+3]}: the same sums, side by side, so that four chains of
     * multiply-adds run at once rather than one.
     */
    private void dotsBatched(float[] qh, int kOffset, float[] s, int p) {
        float[] k = keys;
        FloatVector acc0 = FloatVector.zero(F8);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        for (int i = 0; i < headDim; i += L) {
            FloatVector x = FloatVector.fromArray(F8, qh, i);
            acc0 = x.fma(FloatVector.fromArray(F8, k, kOffset + i), acc0);
            acc1 = x.fma(FloatVector.fromArray(F8, k, kOffset + headDim + i), acc1);
            acc2 = x.fma(FloatVector.fromArray(F8, k, kOffset + 2 * headDim + i), acc2);
            acc3 = x.fma(FloatVector.fromArray(F8, k, kOffset + 3 * headDim + i), acc3);
        }
        FloatVector t0 = acc0.add(acc0.rearrange(SWAP_HALVES));
        FloatVector t1 = acc1.add(acc1.rearrange(SWAP_HALVES));
        FloatVector t2 = acc2.add(acc2.rearrange(SWAP_HALVES));
        FloatVector t3 = acc3.add(acc3.rearrange(SWAP_HALVES));
        FloatVector u0 = t0.add(t0.rearrange(SWAP_PAIRS));
        FloatVector u1 = t1.add(t1.rearrange(SWAP_PAIRS));
        FloatVector u2 = t2.add(t2.rearrange(SWAP_PAIRS));
        FloatVector u3 = t3.add(t3.rearrange(SWAP_PAIRS));
        s[p] = u0.lane(0) + u0.lane(1);
        s[p + 1] = u1.lane(0) + u1.lane(1);
        s[p + 2] = u2.lane(0) + u2.lane(1);
        s[p + 3] = u3.lane(0) + u3.lane(1);
    }

    /**
     * ggml_vec_dot_f16 ({@link #dotF16} of a single token) of the key at {@code kOffset} and the
     * one after it in the store, into {@code s[p]} and {@code s[p + 1]}, for a head length that
     * is a multiple of 32.
     */
    private void dotsSingle(float[] qh, int kOffset, float[] s, int p) {
        float[] k = keys;
        int next = kOffset + headDim;
        FloatVector a0 = FloatVector.zero(F8);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        for (int i = 0; i < headDim; i += STEP) {
            FloatVector q0 = FloatVector.fromArray(F8, qh, i);
            FloatVector q1 = FloatVector.fromArray(F8, qh, i + L);
            FloatVector q2 = FloatVector.fromArray(F8, qh, i + 2 * L);
            FloatVector q3 = FloatVector.fromArray(F8, qh, i + 3 * L);
            a0 = q0.fma(FloatVector.fromArray(F8, k, kOffset + i), a0);
            a1 = q1.fma(FloatVector.fromArray(F8, k, kOffset + i + L), a1);
            a2 = q2.fma(FloatVector.fromArray(F8, k, kOffset + i + 2 * L), a2);
            a3 = q3.fma(FloatVector.fromArray(F8, k, kOffset + i + 3 * L), a3);
            b0 = q0.fma(FloatVector.fromArray(F8, k, next + i), b0);
            b1 = q1.fma(FloatVector.fromArray(F8, k, next + i + L), b1);
            b2 = q2.fma(FloatVector.fromArray(F8, k, next + i + 2 * L), b2);
            b3 = q3.fma(FloatVector.fromArray(F8, k, next + i + 3 * L), b3);
        }
        // ggml_vec_dot_f16's reduction, as in dotF16
        FloatVector x = a0.add(a2).add(a1.add(a3));
        FloatVector y = b0.add(b2).add(b1.add(b3));
        FloatVector tx = x.add(x.rearrange(SWAP_HALVES));
        FloatVector ty = y.add(y.rearrange(SWAP_HALVES));
        FloatVector ux = tx.add(tx.rearrange(SWAP_NEIGHBOURS));
        FloatVector uy = ty.add(ty.rearrange(SWAP_NEIGHBOURS));
        s[p] = ux.lane(0) + ux.lane(2);
        s[p + 1] = uy.lane(0) + uy.lane(2);
    }

    /** q.k: tinyBLAS for a batch when the length is a multiple of 8, else ggml_vec_dot_f16. */
    private float dotF16(float[] qh, float[] k, int kOffset, boolean batched) {
        if (batched && headDim % L == 0) {
            FloatVector acc = FloatVector.zero(F8);
            for (int i = 0; i < headDim; i += L) {
                acc = FloatVector.fromArray(F8, qh, i).fma(FloatVector.fromArray(F8, k, kOffset + i), acc);
            }
            // GgmlMath.sumLanes: t_k = l_k + l_(k+4), then (t0 + t2) + (t1 + t3)
            FloatVector t = acc.add(acc.rearrange(SWAP_HALVES));
            FloatVector u = t.add(t.rearrange(SWAP_PAIRS));
            return u.lane(0) + u.lane(1);
        }
        int main = headDim - headDim % STEP;
        double sum = 0;
        if (main > 0) {
            FloatVector a0 = FloatVector.zero(F8);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int i = 0; i < main; i += STEP) {
                a0 = FloatVector.fromArray(F8, qh, i).fma(FloatVector.fromArray(F8, k, kOffset + i), a0);
                a1 = FloatVector.fromArray(F8, qh, i + L).fma(FloatVector.fromArray(F8, k, kOffset + i + L), a1);
                a2 = FloatVector.fromArray(F8, qh, i + 2 * L).fma(FloatVector.fromArray(F8, k, kOffset + i + 2 * L), a2);
                a3 = FloatVector.fromArray(F8, qh, i + 3 * L).fma(FloatVector.fromArray(F8, k, kOffset + i + 3 * L), a3);
            }
            // ggml_vec_dot_f16's reduction: t_k = x_k + x_(k+4), then (t0 + t1) + (t2 + t3)
            FloatVector x = a0.add(a2).add(a1.add(a3));
            FloatVector t = x.add(x.rearrange(SWAP_HALVES));
            FloatVector u = t.add(t.rearrange(SWAP_NEIGHBOURS));
            sum = u.lane(0) + u.lane(2);
        }
        for (int i = main; i < headDim; i++) {
            sum += qh[i] * k[kOffset + i];
        }
        return (float) sum;
    }

    /** ggml_vec_soft_max_f32: exp in 8-lane groups (the cache is padded, so the last group too), group sums added in double. */
    private static void softmax(float[] s, int n, float max, float[] lane) {
        double sum = 0;
        int g = 0;
        for (; g + L <= n; g += L) {
            FloatVector.fromArray(F8, s, g).sub(max).intoArray(lane, 0);
            if (GgmlMath.exp8(lane, 0, lane, 0)) {
                FloatVector.fromArray(F8, lane, 0).intoArray(s, g);
            } else {
                for (int l = 0; l < L; l++) {
                    lane[l] = GgmlMath.exp(s[g + l] - max);
                    s[g + l] = lane[l];
                }
            }
            sum += GgmlMath.sumLanes(lane);
        }
        for (; g < n; g += L) {
            for (int l = 0; l < L; l++) {
                lane[l] = g + l < n ? GgmlMath.exp(s[g + l] - max) : 0f;
                if (g + l < n) {
                    s[g + l] = lane[l];
                }
            }
            sum += GgmlMath.sumLanes(lane);
        }
        float inverse = (float) (1.0 / sum);
        for (int p = 0; p < n; p++) {
            s[p] = Fp16.round(s[p] * inverse);
        }
    }

    /**
     * out = sum_p prob[p] * v[p]: for a batch as tinyBLAS (position p in lane p % 8, lanes reduced
     * halves-then-pairs), for one token as ggml_vec_dot_f16 (p in accumulator slot p % 32, the
     * four accumulators added 0+2, 1+3, then the lanes by pairs of halves). Vectorized over the
     * positions: the cache holds the values transposed, as llama.cpp's does.
     */
    private void weightedValues(float[] prob, int n, int kvOffset, int outOffset, int worker, boolean batched, int[] valueBase) {
        float[] slots = lanes[worker];
        int stride = batch.store.blockTokens;
        int first = 0;
        if (batched) {
            // four components at a time: four independent sums, each as below
            for (; first + 4 <= headDim; first += 4) {
                weightedValuesBatched(prob, n, (kvOffset + first) * stride, stride, slots, valueBase, outOffset + first);
            }
        }
        for (int i = first; i < headDim; i++) {
            int row = (kvOffset + i) * stride;
            int p = 0;
            if (batched) {
                // tinyBLAS: position p in lane p % 8 of one accumulator
                FloatVector acc = FloatVector.zero(F8);
                for (; p + L <= n; p += L) {
                    acc = FloatVector.fromArray(F8, prob, p).fma(FloatVector.fromArray(F8, values, row + valueBase[p / L]), acc);
                }
                acc.intoArray(slots, 0);
                for (; p < n; p++) {
                    slots[p % L] = Math.fma(prob[p], values[row + valueBase[p / L] + p % L], slots[p % L]);
                }
                out[outOffset + i] = GgmlMath.sumLanes(slots, 0);
            } else {
                out[outOffset + i] = weightedValuesSingle(prob, n, row, valueBase);
            }
        }
    }

    /**
     * ggml_vec_dot_f16 of the probabilities with the transposed value row at {@code row}:
     * position p in lane p % 8 of accumulator (p % 32) / 8, the accumulators added 0+2, 1+3, then
     * the lanes by pairs of halves. The last, partial step loads its positions from n on as zeros,
     * as llama.cpp's padded cache meets zero probabilities there.
     */
    private float weightedValuesSingle(float[] prob, int n, int row, int[] valueBase) {
        FloatVector a0 = FloatVector.zero(F8);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int p = 0;
        for (; p + STEP <= n; p += STEP) {
            int g = p / L;
            a0 = FloatVector.fromArray(F8, prob, p).fma(FloatVector.fromArray(F8, values, row + valueBase[g]), a0);
            a1 = FloatVector.fromArray(F8, prob, p + L).fma(FloatVector.fromArray(F8, values, row + valueBase[g + 1]), a1);
            a2 = FloatVector.fromArray(F8, prob, p + 2 * L).fma(FloatVector.fromArray(F8, values, row + valueBase[g + 2]), a2);
            a3 = FloatVector.fromArray(F8, prob, p + 3 * L).fma(FloatVector.fromArray(F8, values, row + valueBase[g + 3]), a3);
        }
        int left = n - p;
        if (left > 0) {
            int g = p / L;
            VectorMask<Float> m = F8.indexInRange(0, left);
            a0 = FloatVector.fromArray(F8, prob, p, m).fma(FloatVector.fromArray(F8, values, row + valueBase[g], m), a0);
            if (left > L) {
                m = F8.indexInRange(L, left);
                a1 = FloatVector.fromArray(F8, prob, p + L, m).fma(FloatVector.fromArray(F8, values, row + valueBase[g + 1], m), a1);
            }
            if (left > 2 * L) {
                m = F8.indexInRange(2 * L, left);
                a2 = FloatVector.fromArray(F8, prob, p + 2 * L, m).fma(FloatVector.fromArray(F8, values, row + valueBase[g + 2], m), a2);
            }
            if (left > 3 * L) {
                m = F8.indexInRange(3 * L, left);
                a3 = FloatVector.fromArray(F8, prob, p + 3 * L, m).fma(FloatVector.fromArray(F8, values, row + valueBase[g + 3], m), a3);
            }
        }
        FloatVector x = a0.add(a2).add(a1.add(a3));
        FloatVector t = x.add(x.rearrange(SWAP_HALVES));
        FloatVector u = t.add(t.rearrange(SWAP_NEIGHBOURS));
        return u.lane(0) + u.lane(2);
    }

    /**
     * The batch's weighted values (tinyBLAS, as in {@link #weightedValues}) of the four
     * components whose transposed rows start at {@code row}, {@code row + stride}, ... into
     * {@code out[at..at+3]}.
     */
    private void weightedValuesBatched(float[] prob, int n, int row, int stride, float[] slots, int[] valueBase, int at) {
        FloatVector acc0 = FloatVector.zero(F8);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        int p = 0;
        for (; p + L <= n; p += L) {
            FloatVector w = FloatVector.fromArray(F8, prob, p);
            int v = row + valueBase[p / L];
            acc0 = w.fma(FloatVector.fromArray(F8, values, v), acc0);
            acc1 = w.fma(FloatVector.fromArray(F8, values, v + stride), acc1);
            acc2 = w.fma(FloatVector.fromArray(F8, values, v + 2 * stride), acc2);
            acc3 = w.fma(FloatVector.fromArray(F8, values, v + 3 * stride), acc3);
        }
        acc0.intoArray(slots, 0);
        acc1.intoArray(slots, L);
        acc2.intoArray(slots, 2 * L);
        acc3.intoArray(slots, 3 * L);
        for (int u = 0; u < 4; u++) {
            for (int q = p; q < n; q++) {
                slots[u * L + q % L] = Math.fma(prob[q], values[row + u * stride + valueBase[q / L] + q % L], slots[u * L + q % L]);
            }
            out[at + u] = GgmlMath.sumLanes(slots, u * L);
        }
    }
}
