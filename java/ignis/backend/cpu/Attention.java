package ignis.backend.cpu;

import ignis.model.LlamaConfig;
import java.util.Arrays;
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
 * cache is padded to 32 positions as llama.cpp's is. Parallel over heads and pairs of
 * neighbouring tokens, head by head; two tokens of one sequence's batch share each load of a key
 * and a value (with 512-bit vectors both tokens' weighted values in one vector: {@link AttentionPairs}).
 */
final class Attention implements WorkerPool.RangeTask {
    private static final int L = GgmlMath.LANES;
    static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    /** ggml_vec_dot_f16's step: four accumulators of eight lanes. */
    private static final int STEP = 4 * L;
    /** Keys and values {@link #touch} brings in at a time: a share of a core's L2 that they stay in until read. */
    private static final long TOUCH_BYTES = 256 << 10;
    /**
     * Lane shuffles for the reductions below, written out in the kernel rather than called:
     * a helper taking a vector that C2 does not inline boxes it (megabytes per token).
     */
    private static final VectorShuffle<Float> SWAP_HALVES = VectorShuffle.fromValues(F8, 4, 5, 6, 7, 0, 1, 2, 3);
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromValues(F8, 2, 3, 0, 1, 6, 7, 4, 5);
    private static final VectorShuffle<Float> SWAP_NEIGHBOURS = VectorShuffle.fromValues(F8, 1, 0, 3, 2, 5, 4, 7, 6);
    // lanes of two vectors, as indexes into their concatenation (for selectFrom), for sumLanesOfEight
    private static final FloatVector LOW_HALVES = lanesOfTwo(0, 1, 2, 3, 8, 9, 10, 11);
    private static final FloatVector HIGH_HALVES = lanesOfTwo(4, 5, 6, 7, 12, 13, 14, 15);
    private static final FloatVector FIRST_PAIRS = lanesOfTwo(0, 1, 4, 5, 8, 9, 12, 13);
    private static final FloatVector SECOND_PAIRS = lanesOfTwo(2, 3, 6, 7, 10, 11, 14, 15);
    private static final FloatVector EVENS = lanesOfTwo(0, 2, 4, 6, 8, 10, 12, 14);
    private static final FloatVector ODDS = lanesOfTwo(1, 3, 5, 7, 9, 11, 13, 15);
    private static final VectorMask<Float> FIRST_HALF = VectorMask.fromLong(F8, 0x0F);

    private static FloatVector lanesOfTwo(float... indexes) {
        return FloatVector.fromArray(F8, indexes, 0);
    }

    private final WorkerPool pool;
    private final int heads;
    private final int headDim;
    private final int kvDim;
    private final int groupSize;
    private final float scale;
    private final float[][] scores;
    private final float[][] query;
    /** Per thread: the second query's, for {@link #attendTwo}. */
    private final float[][] secondScores;
    private final float[][] secondQuery;
    /** Per thread: the two tokens' probabilities side by side for {@link AttentionPairs}. */
    private final float[][] pairScores;
    /** {@link AttentionPairs} takes the weighted values (blocks of a multiple of 16 positions). */
    private boolean pairedValues;
    /** Per thread: 2 * {@link #STEP} floats, the softmax's lane buffer and the batched weighted sums' accumulator slots. */
    private final float[][] lanes;
    /** Per worker: the sum of {@link #touch}'s loads, kept so that they are not removed. */
    private final float[][] touched;
    /** Per thread: the block table and length last mapped into its group bases in this run. */
    private final int[][] mappedTable;
    private final int[] mappedPositions;

    /** Per thread, per 8-position group of the current token: key base and value base in the store (see {@link KvStore}). */
    private final int[][] groupKeyBase;
    private final int[][] groupValueBase;

    private KvBatch batch;
    private int layer;
    /** The tokens' keys and values for {@link #attend} to store, or null. */
    private float[] pendingKeys;
    private float[] pendingValues;
    private float[] keys;
    private float[] values;
    private float[] q;
    private float[] out;
    /**
     * {@link #attendLoneToken} as a pool task, made once (a method reference per call would
     * allocate); a task of its own, so that C2 compiles it apart from {@link #run}, whose
     * compiled prefill paths it would otherwise change.
     */
    private final WorkerPool.RangeTask loneToken = this::attendLoneToken;
    private final WorkerPool.RangeTask storeTokens = this::storeTokens;

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
        this.secondScores = new float[threads][capacity + L];
        this.secondQuery = new float[threads][headDim];
        this.pairScores = new float[threads][AttentionPairs.ENABLED ? 2 * (capacity + L) : 0];
        this.lanes = new float[threads][2 * STEP];
        this.touched = new float[threads][L];
        this.mappedTable = new int[threads][];
        this.mappedPositions = new int[threads];
        int groups = (capacity + L - 1) / L + 1;
        this.groupKeyBase = new int[threads][groups];
        this.groupValueBase = new int[threads][groups];
    }

    int capacity() {
        return scores[0].length - L;
    }

    /**
     * {@code out[t][h]} = attention of query {@code q[t][h]} at position {@code batch.position[t]}
     * over positions {@code 0..batch.position[t]} of its sequence in one layer, whose keys and
     * values are in the cache.
     */
    void attend(KvBatch batch, int layer, float[] q, float[] out) {
        attend(batch, layer, q, null, null, out);
    }

    /**
     * {@link #attend}, the tokens' own keys and values ({@code k} and {@code v}, token t's at
     * {@code t * kvDim}) stored into the cache first where they are not null. A decode step
     * stores each thread's KV heads after touching them: stored before, the value components'
     * lines (each position's value is a column of its block) came from memory one by one, on one thread.
     */
    void attend(KvBatch batch, int layer, float[] q, float[] k, float[] v, float[] out) {
        this.layer = layer;
        this.pendingKeys = k;
        this.pendingValues = v;
        this.batch = batch;
        this.keys = batch.store.keys[layer];
        this.values = batch.store.values[layer];
        this.pairedValues = AttentionPairs.ENABLED && batch.store.blockTokens % (2 * L) == 0;
        this.q = q;
        this.out = out;
        if (batch.tokens == 1 && !batch.batched[0]) {
            // a decode step: its heads in equal shares, so that each thread touches long runs
            pool.parallelFor(heads, (heads + pool.threads() - 1) / pool.threads(), loneToken);
        } else {
            // units of (head, two neighbouring tokens): see run
            if (k != null) {
                pool.parallelFor(batch.tokens, PoolTokenLoop.MIN_CHUNK, storeTokens);
            }
            pool.parallelFor((batch.tokens + 1) / 2 * heads, 1, this);
        }
        this.out = null;
        this.batch = null;
        this.pendingKeys = null;
        this.pendingValues = null;
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
        mappedTable[worker] = null;
        mappedPositions[worker] = 0;
        int tokens = batch.tokens;
        int pairsPerHead = (tokens + 1) / 2;
        int units = pairsPerHead * heads;
        for (int next = start; next < end; next++) {
            // head by head, so that a thread's next unit rereads the same head's keys and values
            // from its own cache; within a head the last tokens first: with causal attention they
            // cost the most, and the threads that take the first chunks should not be left with
            // the dearest at the end
            int unit = units - 1 - next;
            int h = unit / pairsPerHead;
            int a = unit % pairsPerHead * 2;
            int b = a + 1;
            if (b < tokens && sharesKeys(a, b)) {
                attendTwo(a, b, h, worker);
            } else {
                if (b < tokens) {
                    attendOne(b, h, worker);
                }
                attendOne(a, h, worker);
            }
        }
    }

    /** Tokens {@code [start, end)}'s pending keys and values into the cache. */
    private void storeTokens(int start, int end, int worker) {
        for (int t = start; t < end; t++) {
            batch.store(layer, t, pendingKeys, t * kvDim, pendingValues, t * kvDim);
        }
    }

    /** Tokens {@code a} and {@code b} read one sequence's keys and sum as a batch: {@link #attendTwo} takes them together. */
    private boolean sharesKeys(int a, int b) {
        return batch.batched[a] && batch.batched[b] && batch.table[a] == batch.table[b] && headDim % L == 0;
    }

    /**
     * Heads {@code [start, end)} of a lone token (a decode step), KV heads in runs that fit the
     * thread's cache: each run's keys and values touched ({@link #touch}), then attended.
     */
    private void attendLoneToken(int start, int end, int worker) {
        mappedTable[worker] = null;
        mappedPositions[worker] = 0;
        int positions = batch.position[0] + 1;
        mapGroups(0, positions, worker);
        int firstKv = start / groupSize;
        int endKv = (end - 1) / groupSize + 1;
        // keys and values of one KV head: positions * headDim floats each
        long headBytes = 2L * positions * headDim * Float.BYTES;
        int run = (int) Math.max(1, Math.min(endKv - firstKv, TOUCH_BYTES / headBytes));
        for (int kv = firstKv; kv < endKv; kv += run) {
            int kvEnd = Math.min(endKv, kv + run);
            if (headDim % 32 == 0) {
                touch(positions, kv, kvEnd, worker);
            }
            if (pendingKeys != null) {
                // KV heads shared with the next thread's share are stored by both, with the same bits
                batch.storeHeads(layer, 0, pendingKeys, 0, pendingValues, 0, kv, kvEnd);
            }
            for (int h = Math.max(start, kv * groupSize); h < Math.min(end, kvEnd * groupSize); h++) {
                attendOne(0, h, worker);
            }
        }
    }

    /** Token {@code t}'s attention for head {@code h}. */
    private void attendOne(int t, int h, int worker) {
        int positions = batch.position[t] + 1;
        mapGroups(t, positions, worker);
        float[] s = scores[worker];
        float[] qh = query[worker];
        boolean batched = batch.batched[t];
        int keyOffset = (h / groupSize) * headDim * batch.store.blockTokens;
        roundQuery(t, h, qh);
        dots(qh, keyOffset, worker, s, 0, positions, batched);
        softmax(s, positions, scaleAndMax(s, positions), lanes[worker]);
        weightedValues(s, positions, (h / groupSize) * headDim, outOffset(t, h), worker, batched, groupValueBase[worker]);
    }

    /**
     * Loads a float of each cache line of the keys and values of KV heads {@code [first, end)}
     * of the lone token's positions, block by block, each block's part one run of memory per
     * array, in loops of independent loads. A decoded token's attention finds its keys and
     * values out of cache (the weights streamed through it since), and its kernels, reaching
     * them head by head along their sums (runs of 8 KiB), read memory at a third of the rate
     * of long runs. Java has no prefetch instruction; this is one.
     */
    private void touch(int positions, int first, int end, int worker) {
        int[] keyBase = groupKeyBase[worker];
        int[] valueBase = groupValueBase[worker];
        int stride = batch.store.blockTokens;
        float[] k = keys;
        float[] v = values;
        FloatVector sum = FloatVector.zero(F8);
        for (int p = 0; p < positions; p += stride) {
            int used = Math.min(stride, positions - p);
            for (int kvHead = first; kvHead < end; kvHead++) {
                // the head's keys of the block's positions: one run of used * headDim floats
                int key = keyBase[p / L] + kvHead * headDim * stride;
                for (int i = 0; i < used * headDim; i += 16) {
                    sum = sum.add(FloatVector.fromArray(F8, k, key + i));
                }
                // its values: the first used floats of each component's row
                for (int row = valueBase[p / L] + kvHead * headDim * stride, r = 0; r < headDim; r++, row += stride) {
                    for (int i = 0; i < used; i += 16) {
                        sum = sum.add(FloatVector.fromArray(F8, v, row + i));
                    }
                }
            }
        }
        sum.intoArray(touched[worker], 0);
    }

    /**
     * The attention of tokens {@code a} and {@code b} (of one sequence, batched) for head
     * {@code h}, their common positions in one pass over the keys and values: each key and value
     * loaded once for both queries. Every sum is the one {@link #attendOne} makes.
     */
    private void attendTwo(int a, int b, int h, int worker) {
        if (batch.position[a] > batch.position[b]) {
            int swap = a;
            a = b;
            b = swap;
        }
        int shorter = batch.position[a] + 1;
        int longer = batch.position[b] + 1;
        mapGroups(b, longer, worker);
        float[] sa = scores[worker];
        float[] sb = secondScores[worker];
        float[] qa = query[worker];
        float[] qb = secondQuery[worker];
        int keyOffset = (h / groupSize) * headDim * batch.store.blockTokens;
        int[] keyBase = groupKeyBase[worker];
        roundQuery(a, h, qa);
        roundQuery(b, h, qb);
        int p = 0;
        for (; p + 4 <= shorter; p += 4) {
            dotsBatchedTwo(qa, qb, keyBase[p / L] + p % L * headDim + keyOffset, sa, sb, p);
        }
        dots(qa, keyOffset, worker, sa, p, shorter, true);
        dots(qb, keyOffset, worker, sb, p, longer, true);
        softmax(sa, shorter, scaleAndMax(sa, shorter), lanes[worker]);
        softmax(sb, longer, scaleAndMax(sb, longer), lanes[worker]);
        if (pairedValues) {
            AttentionPairs.interleave(sa, sb, shorter & -(2 * L), pairScores[worker]);
        }
        int kvOffset = (h / groupSize) * headDim;
        int stride = batch.store.blockTokens;
        for (int first = 0; first < headDim; first += 4) {
            weightedValuesBatchedTwo(sa, shorter, sb, longer, (kvOffset + first) * stride, stride, lanes[worker],
                    groupValueBase[worker], pairScores[worker], outOffset(a, h) + first, outOffset(b, h) + first);
        }
    }

    /** Where token {@code t}'s query and output for head {@code h} start. */
    private int outOffset(int t, int h) {
        return t * heads * headDim + h * headDim;
    }

    /** Token {@code t}'s query for head {@code h}, rounded to fp16, into {@code qh}. */
    private void roundQuery(int t, int h, float[] qh) {
        int qOffset = outOffset(t, h);
        for (int i = 0; i < headDim; i++) {
            qh[i] = Fp16.round(q[qOffset + i]);
        }
    }

    /**
     * Has {@link #groupKeyBase} and {@link #groupValueBase} of {@code worker} hold token
     * {@code t}'s groups for {@code positions}: the table and length last mapped in this run
     * serve a shorter prefix of the same table with no new map.
     */
    private void mapGroups(int t, int positions, int worker) {
        if (batch.table[t] != mappedTable[worker] || positions > mappedPositions[worker]) {
            mapGroups(t, positions, groupKeyBase[worker], groupValueBase[worker]);
            mappedTable[worker] = batch.table[t];
            mappedPositions[worker] = positions;
        }
    }

    /** q.k of positions {@code [from, to)} into {@code s} ({@code from} a multiple of 4), unscaled. */
    private void dots(float[] qh, int keyOffset, int worker, float[] s, int from, int to, boolean batched) {
        int[] keyBase = groupKeyBase[worker];
        int p = from;
        if (batched && headDim % L == 0) {
            // four positions at a time (within one 8-position group): four independent sums
            for (; p + 4 <= to; p += 4) {
                dotsBatched(qh, keyBase[p / L] + p % L * headDim + keyOffset, s, p);
            }
        }
        if (!batched && headDim % STEP == 0) {
            // two positions at a time (within one 8-position group): eight independent sums
            for (; p + 2 <= to; p += 2) {
                dotsSingle(qh, keyBase[p / L] + p % L * headDim + keyOffset, s, p);
            }
        }
        for (; p < to; p++) {
            s[p] = dotF16(qh, keys, keyBase[p / L] + p % L * headDim + keyOffset, batched);
        }
    }

    /** Scales the first {@code n} scores by 1/sqrt(head length) and returns their largest. */
    private float scaleAndMax(float[] s, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int p = 0; p < n; p++) {
            s[p] *= scale;
            max = Math.max(max, s[p]);
        }
        return max;
    }

    /**
     * {@link #dotsBatched} of the four keys at {@code kOffset} for two queries at once: each key
     * vector loaded once, eight independent sums.
     */
    private void dotsBatchedTwo(float[] qa, float[] qb, int kOffset, float[] sa, float[] sb, int p) {
        float[] k = keys;
        FloatVector a0 = FloatVector.zero(F8);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        for (int i = 0; i < headDim; i += L) {
            FloatVector x = FloatVector.fromArray(F8, qa, i);
            FloatVector y = FloatVector.fromArray(F8, qb, i);
            FloatVector k0 = FloatVector.fromArray(F8, k, kOffset + i);
            FloatVector k1 = FloatVector.fromArray(F8, k, kOffset + headDim + i);
            FloatVector k2 = FloatVector.fromArray(F8, k, kOffset + 2 * headDim + i);
            FloatVector k3 = FloatVector.fromArray(F8, k, kOffset + 3 * headDim + i);
            a0 = x.fma(k0, a0);
            a1 = x.fma(k1, a1);
            a2 = x.fma(k2, a2);
            a3 = x.fma(k3, a3);
            b0 = y.fma(k0, b0);
            b1 = y.fma(k1, b1);
            b2 = y.fma(k2, b2);
            b3 = y.fma(k3, b3);
        }
        // GgmlMath.sumLanes of each, as in dotsBatched, the eight side by side: each level adds
        // the lanes that sumLanes adds, taken from two accumulators at once
        FloatVector r = sumLanesOfEight(a0, a1, a2, a3, b0, b1, b2, b3);
        r.intoArray(sa, p, FIRST_HALF);
        r.rearrange(SWAP_HALVES).intoArray(sb, p, FIRST_HALF);
    }

    /**
     * Lane i of the result: {@code ((x0 + x4) + (x2 + x6)) + ((x1 + x5) + (x3 + x7))} of the i-th
     * argument's lanes x, the sum {@link #dotsBatched} takes of each.
     */
    private static FloatVector sumLanesOfEight(FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3,
                                               FloatVector v4, FloatVector v5, FloatVector v6, FloatVector v7) {
        // per argument: x0 + x4, x1 + x5, x2 + x6, x3 + x7 (two arguments per vector)
        FloatVector t01 = LOW_HALVES.selectFrom(v0, v1).add(HIGH_HALVES.selectFrom(v0, v1));
        FloatVector t23 = LOW_HALVES.selectFrom(v2, v3).add(HIGH_HALVES.selectFrom(v2, v3));
        FloatVector t45 = LOW_HALVES.selectFrom(v4, v5).add(HIGH_HALVES.selectFrom(v4, v5));
        FloatVector t67 = LOW_HALVES.selectFrom(v6, v7).add(HIGH_HALVES.selectFrom(v6, v7));
        // per argument: (x0 + x4) + (x2 + x6), (x1 + x5) + (x3 + x7) (four per vector)
        FloatVector u0 = FIRST_PAIRS.selectFrom(t01, t23).add(SECOND_PAIRS.selectFrom(t01, t23));
        FloatVector u1 = FIRST_PAIRS.selectFrom(t45, t67).add(SECOND_PAIRS.selectFrom(t45, t67));
        return EVENS.selectFrom(u0, u1).add(ODDS.selectFrom(u0, u1));
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
            // whole 8-lane loads (the scores are padded, a block holds whole groups of 8) with the
            // lanes from n on blended away: a masked load checks its bounds out of line, and this
            // tail runs for every component of every head
            int g = p / L;
            a0 = a0.blend(FloatVector.fromArray(F8, prob, p).fma(FloatVector.fromArray(F8, values, row + valueBase[g]), a0), firstLanes(left));
            if (left > L) {
                a1 = a1.blend(FloatVector.fromArray(F8, prob, p + L).fma(FloatVector.fromArray(F8, values, row + valueBase[g + 1]), a1),
                        firstLanes(left - L));
            }
            if (left > 2 * L) {
                a2 = a2.blend(FloatVector.fromArray(F8, prob, p + 2 * L).fma(FloatVector.fromArray(F8, values, row + valueBase[g + 2]), a2),
                        firstLanes(left - 2 * L));
            }
            if (left > 3 * L) {
                a3 = a3.blend(FloatVector.fromArray(F8, prob, p + 3 * L).fma(FloatVector.fromArray(F8, values, row + valueBase[g + 3]), a3),
                        firstLanes(left - 3 * L));
            }
        }
        FloatVector x = a0.add(a2).add(a1.add(a3));
        FloatVector t = x.add(x.rearrange(SWAP_HALVES));
        FloatVector u = t.add(t.rearrange(SWAP_NEIGHBOURS));
        return u.lane(0) + u.lane(2);
    }

    /** The first {@code count} lanes of 8 (all 8 from {@code count} 8 on). */
    private static VectorMask<Float> firstLanes(int count) {
        return VectorMask.fromLong(F8, (1L << Math.min(count, L)) - 1);
    }

    /**
     * The batch's weighted values (tinyBLAS, as in {@link #weightedValues}) of the four
     * components whose transposed rows start at {@code row}, {@code row + stride}, ... into
     * {@code out[at..at+3]}.
     */
    private void weightedValuesBatched(float[] prob, int n, int row, int stride, float[] slots, int[] valueBase, int at) {
        Arrays.fill(slots, 0, STEP, 0f);
        int p = addWeightedValues(prob, 0, n, row, stride, slots, 0, valueBase);
        finishWeightedValues(prob, p, n, row, stride, slots, 0, valueBase, at);
    }

    /**
     * Positions {@code from} on, 8 at a time while 8 are left of {@code n}, added to the four
     * components' accumulators that stand in {@code slots[base..base+32)}; returns where it
     * stopped. (The accumulators go through the array: a helper taking vectors is not inlined
     * everywhere and then boxes them.)
     */
    private int addWeightedValues(float[] prob, int from, int n, int row, int stride, float[] slots, int base, int[] valueBase) {
        FloatVector acc0 = FloatVector.fromArray(F8, slots, base);
        FloatVector acc1 = FloatVector.fromArray(F8, slots, base + L);
        FloatVector acc2 = FloatVector.fromArray(F8, slots, base + 2 * L);
        FloatVector acc3 = FloatVector.fromArray(F8, slots, base + 3 * L);
        int p = from;
        for (; p + L <= n; p += L) {
            FloatVector w = FloatVector.fromArray(F8, prob, p);
            int v = row + valueBase[p / L];
            acc0 = w.fma(FloatVector.fromArray(F8, values, v), acc0);
            acc1 = w.fma(FloatVector.fromArray(F8, values, v + stride), acc1);
            acc2 = w.fma(FloatVector.fromArray(F8, values, v + 2 * stride), acc2);
            acc3 = w.fma(FloatVector.fromArray(F8, values, v + 3 * stride), acc3);
        }
        acc0.intoArray(slots, base);
        acc1.intoArray(slots, base + L);
        acc2.intoArray(slots, base + 2 * L);
        acc3.intoArray(slots, base + 3 * L);
        return p;
    }

    /**
     * The four sums of {@link #weightedValuesBatched} whose accumulators stand in
     * {@code slots[base..base+32)}: positions {@code [from, n)} added lane by lane, the lanes
     * reduced into {@code out[at..at+3]}.
     */
    private void finishWeightedValues(float[] prob, int from, int n, int row, int stride, float[] slots, int base, int[] valueBase,
                                      int at) {
        // fewer than 8 positions left (from is a multiple of 8): the first n - from lanes take one
        // more product. Whole 8-lane loads (the scores are padded, a block holds whole groups of
        // 8) with the lanes past n blended away: a masked load checks its bounds out of line.
        if (from < n) {
            VectorMask<Float> left = firstLanes(n - from);
            FloatVector w = FloatVector.fromArray(F8, prob, from);
            int v = row + valueBase[from / L];
            for (int u = 0; u < 4; u++) {
                int slot = base + u * L;
                FloatVector acc = FloatVector.fromArray(F8, slots, slot);
                acc.blend(w.fma(FloatVector.fromArray(F8, values, v + u * stride), acc), left).intoArray(slots, slot);
            }
        }
        for (int u = 0; u < 4; u++) {
            out[at + u] = GgmlMath.sumLanes(slots, base + u * L);
        }
    }

    /**
     * {@link #weightedValuesBatched} of two queries with {@code na <= nb} positions: their
     * common positions in one pass, each value vector loaded once for both; eight sums.
     */
    private void weightedValuesBatchedTwo(float[] pa, int na, float[] pb, int nb, int row, int stride, float[] slots,
                                          int[] valueBase, float[] pairProbs, int atA, int atB) {
        FloatVector a0 = FloatVector.zero(F8);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        int p = 0;
        if (pairedValues) {
            // 16 common positions at a time, both queries per vector; the rest 8 at a time here
            p = AttentionPairs.weightedValues(pairProbs, na, values, row, stride, valueBase, slots);
            a0 = FloatVector.fromArray(F8, slots, 0);
            b0 = FloatVector.fromArray(F8, slots, L);
            a1 = FloatVector.fromArray(F8, slots, 2 * L);
            b1 = FloatVector.fromArray(F8, slots, 3 * L);
            a2 = FloatVector.fromArray(F8, slots, 4 * L);
            b2 = FloatVector.fromArray(F8, slots, 5 * L);
            a3 = FloatVector.fromArray(F8, slots, 6 * L);
            b3 = FloatVector.fromArray(F8, slots, 7 * L);
        }
        for (; p + L <= na; p += L) {
            FloatVector wa = FloatVector.fromArray(F8, pa, p);
            FloatVector wb = FloatVector.fromArray(F8, pb, p);
            int v = row + valueBase[p / L];
            FloatVector v0 = FloatVector.fromArray(F8, values, v);
            FloatVector v1 = FloatVector.fromArray(F8, values, v + stride);
            FloatVector v2 = FloatVector.fromArray(F8, values, v + 2 * stride);
            FloatVector v3 = FloatVector.fromArray(F8, values, v + 3 * stride);
            a0 = wa.fma(v0, a0);
            a1 = wa.fma(v1, a1);
            a2 = wa.fma(v2, a2);
            a3 = wa.fma(v3, a3);
            b0 = wb.fma(v0, b0);
            b1 = wb.fma(v1, b1);
            b2 = wb.fma(v2, b2);
            b3 = wb.fma(v3, b3);
        }
        a0.intoArray(slots, 0);
        a1.intoArray(slots, L);
        a2.intoArray(slots, 2 * L);
        a3.intoArray(slots, 3 * L);
        b0.intoArray(slots, STEP);
        b1.intoArray(slots, STEP + L);
        b2.intoArray(slots, STEP + 2 * L);
        b3.intoArray(slots, STEP + 3 * L);
        finishWeightedValues(pa, p, na, row, stride, slots, 0, valueBase, atA);
        // the second token's positions past the first's
        p = addWeightedValues(pb, p, nb, row, stride, slots, STEP, valueBase);
        finishWeightedValues(pb, p, nb, row, stride, slots, STEP, valueBase, atB);
    }
}
