/*
 * On-device sampling: temperature, top-k, top-p and min-p over n (already penalised) logits, then a draw
 * with a uniform u in [0, 1) that the host takes from the sampler's SplitMix64 stream, so that only the
 * token id comes back. One group of SAMPLE_THREADS threads (GROUPS_X = GROUPS_Y = 1).
 *
 * The filters are those of the host sampler (java/ignis/runtime/sampling/Candidates.java), in its order:
 *   rank       higher logit first, ties by the lower token id (-0 and +0 tie);
 *   top-k      the k best-ranked tokens (k <= 0 or k >= n: all);
 *   top-p      over the top-k set at temperature 1: the shortest rank prefix whose mass exp(x - max) reaches
 *              top_p * (mass of the set), the token crossing it included; rounding short of it keeps the set;
 *   min-p      x - max >= ln(min_p) (relative to the largest probability), compared exactly: ln(min_p) comes
 *              as a float pair hi + lo and x - max as a float pair (TwoSum);
 *   temperature  y = x / T in float, then w = exp(y - y_max); the draw takes the first survivor, walking the
 *              survivors in token-id order, whose running sum of w exceeds u * (sum of w); rounding short of
 *              that takes the last survivor with w > 0.
 * Every filter keeps a rank prefix, so the survivors are the m best-ranked tokens. The walk goes by token id:
 * that is the host sampler's own order when neither top-k nor top-p reorders its candidates, and a canonical
 * order otherwise (the host's order after its selections is an artefact of heap and quickselect).
 * Sums are float (the host's are double): draws within ~1e-6 of a boundary may differ.
 *
 * How: the max (and the min-p count) in one pass; then the g best-ranked tokens (g <= SAMPLE_CAP) by a radix
 * select on the order-preserving key of the float bits (four 8-bit digits, histograms in local memory; ties on
 * the g-th key go to the lowest ids by an ordered pass), gathered into local memory and bitonic-sorted by rank;
 * the cuts are prefix sums over that sorted list; the survivors are bitonic-sorted again by id for the draw.
 * When top-k is off, g = min(min-p count, SAMPLE_CAP) and top-p's total mass is summed over the whole
 * vocabulary. Survivors beyond SAMPLE_CAP:
 *   - with top-p off (only min-p or nothing cuts): the draw walks the whole vocabulary in id order, each
 *     thread a contiguous chunk, exactly as for a small set;
 *   - with top-p on and its crossing beyond the SAMPLE_CAP best: out[0] = SAMPLE_OVERFLOW and the host
 *     samples instead (DeviceSampler does). top_k > SAMPLE_CAP (and < n) is refused the same way.
 * Output: out[0] = the token (SAMPLE_NO_TOKEN when every logit is -inf, SAMPLE_OVERFLOW as above), out[1] = how
 * many tokens survived the filters (the host sampler draws no random number when that is 1).
 */
#define SAMPLE_THREADS 256
#define SAMPLE_CAP 1024
#define SAMPLE_BINS 256
#define SAMPLE_NO_TOKEN (-1)
#define SAMPLE_OVERFLOW (-2)
#define SAMPLE_NO_ID 0x7fffffff

/* Two things the dialect has no name for: a pointer to local memory as a helper's parameter, and an atomic
 * increment of a local int (returning the old value). */
#ifdef __CUDACC__
#define SAMPLE_LOCAL_PTR
#define SAMPLE_ATOMIC_INC(p) atomicAdd((p), 1)
#else
#define SAMPLE_LOCAL_PTR __local
#define SAMPLE_ATOMIC_INC(p) atomic_inc(p)
#endif

/* An unsigned key ordered as the floats (NaN excluded), with -0 mapped to +0 so that they tie. */
DEVICE_FN uint sample_key(float x) {
    uint b = AS_UINT(x);
    if (x == 0.0f) {
        return 0x80000000u;
    }
    return (b & 0x80000000u) != 0u ? ~b : (b | 0x80000000u);
}

DEVICE_FN float sample_key_value(uint k) {
    return AS_FLOAT((k & 0x80000000u) != 0u ? (k ^ 0x80000000u) : ~k);
}

/* min-p's test (double) x - max >= ln(min_p) = hi + lo, done in float-float: x - max = d + err exactly. */
DEVICE_FN int sample_min_p_keeps(float x, float max, float lnHi, float lnLo) {
    if (x == NEG_INFINITY) {
        return 0;
    }
    float d = x - max; /* TwoSum(x, -max): d + err == x - max */
    float bv = d - x;
    float av = d - bv;
    float err = (x - av) + (-max - bv);
    float diff = d - lnHi; /* exact near the boundary (Sterbenz); the sign is right far from it */
    return diff + (err - lnLo) >= 0.0f;
}

/* Rank order (byId == 0: higher key first, then lower id) or id order (byId != 0). */
DEVICE_FN int sample_before(uint ka, int ia, uint kb, int ib, int byId) {
    if (byId) {
        return ia < ib;
    }
    return ka > kb || (ka == kb && ia < ib);
}

/* PoCL 3.1 mis-compiles a helper with barriers that is called more than once in a kernel (the second
 * call's barrier loops are dropped), so each call site below gets a helper of its own, stamped from a macro. */

/* Bitonic sort of keys/ids [0, count) in local memory (count <= SAMPLE_CAP), padded to SAMPLE_CAP entries that
 * sort last. Always the full SAMPLE_CAP network: loop bounds that depend on count, around barriers, made PoCL
 * 3.1 skip the sort. */
#define SAMPLE_DEFINE_SORT(name) \
DEVICE_FN void name(SAMPLE_LOCAL_PTR uint* keys, SAMPLE_LOCAL_PTR int* ids, int count, int byId) {                    \
    int lid = LOCAL_ID;                                                                                               \
    for (int i = count + lid; i < SAMPLE_CAP; i += LOCAL_SIZE) {                                                      \
        keys[i] = 0u; /* below every real key (the key of -inf is 0x007fffff) */                                      \
        ids[i] = SAMPLE_NO_ID;                                                                                        \
    }                                                                                                                 \
    BARRIER();                                                                                                        \
    for (int size = 2; size <= SAMPLE_CAP; size <<= 1) {                                                              \
        for (int stride = size >> 1; stride > 0; stride >>= 1) {                                                      \
            for (int t = lid; t < SAMPLE_CAP / 2; t += LOCAL_SIZE) {                                                  \
                int lo = 2 * t - (t & (stride - 1));                                                                  \
                int hi = lo + stride;                                                                                 \
                int ascending = (lo & size) == 0;                                                                     \
                uint kl = keys[lo];                                                                                   \
                uint kh = keys[hi];                                                                                   \
                int il = ids[lo];                                                                                     \
                int ih = ids[hi];                                                                                     \
                int exchange = ascending ? sample_before(kh, ih, kl, il, byId) : sample_before(kl, il, kh, ih, byId); \
                if (exchange) {                                                                                       \
                    keys[lo] = kh;                                                                                    \
                    keys[hi] = kl;                                                                                    \
                    ids[lo] = ih;                                                                                     \
                    ids[hi] = il;                                                                                     \
                }                                                                                                     \
            }                                                                                                         \
            BARRIER();                                                                                                \
        }                                                                                                             \
    }                                                                                                                 \
}
SAMPLE_DEFINE_SORT(sample_sort_by_rank)
SAMPLE_DEFINE_SORT(sample_sort_by_id)

/*
 * Inclusive prefix sums of w[0, count) into sums (count <= SAMPLE_CAP): each thread a contiguous run, the
 * runs' offsets by one thread; the sums never decrease. partial holds LOCAL_SIZE floats.
 */
#define SAMPLE_DEFINE_PREFIX_SUMS(name) \
DEVICE_FN void name(SAMPLE_LOCAL_PTR float* sums, int count, SAMPLE_LOCAL_PTR float* partial) { \
    int lid = LOCAL_ID;                                                                         \
    int per = (count + LOCAL_SIZE - 1) / LOCAL_SIZE;                                            \
    int begin = lid * per;                                                                      \
    int end = begin + per < count ? begin + per : count;                                        \
    float run = 0.0f;                                                                           \
    for (int i = begin; i < end; i++) {                                                         \
        run += sums[i];                                                                         \
    }                                                                                           \
    partial[lid] = run;                                                                         \
    BARRIER();                                                                                  \
    if (lid == 0) {                                                                             \
        float offset = 0.0f;                                                                    \
        for (int t = 0; t < LOCAL_SIZE; t++) {                                                  \
            float own = partial[t];                                                             \
            partial[t] = offset;                                                                \
            offset += own;                                                                      \
        }                                                                                       \
    }                                                                                           \
    BARRIER();                                                                                  \
    float offset = partial[lid];                                                                \
    run = 0.0f;                                                                                 \
    for (int i = begin; i < end; i++) {                                                         \
        run += sums[i];                                                                         \
        sums[i] = offset + run;                                                                 \
    }                                                                                           \
    BARRIER();                                                                                  \
}
SAMPLE_DEFINE_PREFIX_SUMS(sample_prefix_sums_cut)
SAMPLE_DEFINE_PREFIX_SUMS(sample_prefix_sums_draw)

/*
 * logits: n floats, no NaN or +inf. top_k <= 0 is off; top_p >= 1 is off; min_p is on when min_p_on != 0, with
 * ln(min_p) = min_p_log_hi + min_p_log_lo. temperature > 0; u in [0, 1). out: 2 ints (see above).
 */
KERNEL void sample_token(GLOBAL const float* logits, int n, int top_k, float top_p, int min_p_on,
                         float min_p_log_hi, float min_p_log_lo, float temperature, float u, GLOBAL int* out) {
    LOCAL float reduce[GROUP_SUM_MAX_THREADS];
    LOCAL float partial[SAMPLE_THREADS];
    LOCAL int hist[SAMPLE_BINS];
    LOCAL uint candKey[SAMPLE_CAP];
    LOCAL int candId[SAMPLE_CAP];
    LOCAL float candSum[SAMPLE_CAP];
    LOCAL uint selKey[1];
    LOCAL int selInt[6];
    LOCAL int state[6];
    int lid = LOCAL_ID;
    int threads = LOCAL_SIZE;
    /* Every barrier below is reached by every thread unconditionally (a path that does not apply runs with
     * empty loops): PoCL mishandles barriers under branches, even uniform ones. */

    /* The max, and how many tokens min-p keeps (a rank prefix). */
    float localMax = NEG_INFINITY;
    for (int i = lid; i < n; i += threads) {
        localMax = FMAXF(localMax, logits[i]);
    }
    float max = group_max(localMax, reduce);
    int none = max == NEG_INFINITY;
    int kOn = top_k > 0 && top_k < n;
    int pOn = top_p < 1.0f;
    int refused = kOn && top_k > SAMPLE_CAP;
    int size = none || refused ? 0 : n; /* the tokens looked at; 0 skips every pass */
    float count = 0.0f;
    for (int i = lid; i < (min_p_on ? size : 0); i += threads) {
        count += sample_min_p_keeps(logits[i], max, min_p_log_hi, min_p_log_lo) ? 1.0f : 0.0f;
    }
    count = group_sum(count, reduce); /* exact: integers below 2^24 */
    int kept = min_p_on ? (int) count : size;
    /* g best-ranked tokens to gather: all of top-k (top-p's total is over them), else the min-p prefix. */
    int g = kOn ? (refused ? 0 : top_k) : (kept < SAMPLE_CAP ? kept : SAMPLE_CAP);

    /* Radix select of the g-th best key: prefix/mask hold the digits fixed so far, remaining is the rank
     * still wanted among the tokens that match them. exact: every token with key >= prefix is taken. */
    uint prefix = 0u;
    uint mask = 0u;
    int remaining = g;
    int exact = g == 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        for (int b = lid; b < SAMPLE_BINS; b += threads) {
            hist[b] = 0;
        }
        BARRIER();
        for (int i = lid; i < (exact ? 0 : size); i += threads) {
            uint k = sample_key(logits[i]);
            if ((k & mask) == prefix) {
                SAMPLE_ATOMIC_INC(&hist[(k >> shift) & 255u]);
            }
        }
        BARRIER();
        if (lid == 0 && !exact) {
            int above = 0;
            int b = SAMPLE_BINS - 1;
            while (above + hist[b] < remaining) {
                above += hist[b];
                b--;
            }
            selKey[0] = prefix | ((uint) b << shift);
            selInt[0] = remaining - above;
            selInt[1] = hist[b] == remaining - above;
        }
        BARRIER();
        if (!exact) {
            prefix = selKey[0];
            remaining = selInt[0];
            exact = selInt[1];
            mask |= 255u << shift;
        }
        BARRIER();
    }

    /* Gather: the tokens above the threshold in any order, then (when the g-th key is shared by more tokens
     * than are wanted) the `remaining` lowest ids among those with key == prefix, in an ordered pass. */
    if (lid == 0) {
        selInt[2] = 0;
    }
    BARRIER();
    for (int i = lid; i < (g == 0 ? 0 : size); i += threads) {
        uint k = sample_key(logits[i]);
        if (exact ? k >= prefix : k > prefix) {
            int slot = SAMPLE_ATOMIC_INC(&selInt[2]);
            candKey[slot] = k;
            candId[slot] = i;
        }
    }
    int chunk = (size + threads - 1) / threads;
    int begin = lid * chunk < size ? lid * chunk : size;
    int end = begin + chunk < size ? begin + chunk : size;
    int ties = 0;
    for (int i = begin; i < (exact ? begin : end); i++) {
        ties += sample_key(logits[i]) == prefix;
    }
    hist[lid] = ties;
    BARRIER();
    if (lid == 0) {
        int offset = 0;
        for (int t = 0; t < threads; t++) {
            int own = hist[t];
            hist[t] = offset;
            offset += own;
        }
    }
    BARRIER();
    int rank = hist[lid];
    for (int i = begin; i < (exact ? begin : end) && rank < remaining; i++) {
        if (sample_key(logits[i]) == prefix) {
            candKey[g - remaining + rank] = prefix;
            candId[g - remaining + rank] = i;
            rank++;
        }
    }
    BARRIER();
    sample_sort_by_rank(candKey, candId, g, 0);

    /* Cuts over the rank-sorted list: top-p's crossing is the first position whose prefix mass reaches
     * top_p * total (the total over the top-k set, or the whole vocabulary when top-k is off). */
    int massCount = pOn ? g : 0;
    for (int i = lid; i < massCount; i += threads) {
        candSum[i] = EXPF(sample_key_value(candKey[i]) - max);
    }
    BARRIER();
    sample_prefix_sums_cut(candSum, massCount, partial);
    float mass = 0.0f;
    for (int i = lid; i < (pOn && !kOn ? size : 0); i += threads) {
        mass += EXPF(logits[i] - max);
    }
    /* group_sum is taken (once) above; this sum has a copy of it, for PoCL's sake (see the helpers) */
    partial[lid] = mass;
    BARRIER();
    for (int stride = SAMPLE_THREADS / 2; stride > 0; stride >>= 1) {
        if (lid < stride) {
            partial[lid] += partial[lid + stride];
        }
        BARRIER();
    }
    mass = partial[0];
    BARRIER();
    float total = kOn ? (massCount > 0 ? candSum[massCount - 1] : 0.0f) : mass;
    float needed = top_p * total;
    if (lid == 0) {
        /* top-p's crossing position + 1, when within the list: a binary search, the sums never decrease */
        int lo = 0;
        int hi = massCount;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (candSum[mid] >= needed) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        selInt[3] = lo < massCount ? lo + 1 : SAMPLE_NO_ID;
    }
    BARRIER();
    int survivors = kOn ? top_k : size;
    int overflow = refused;
    if (pOn) {
        int crossing = selInt[3];
        if (crossing != SAMPLE_NO_ID) {
            survivors = survivors < crossing ? survivors : crossing;
        } else if (!kOn && kept > g) {
            overflow = 1; /* the crossing lies beyond the SAMPLE_CAP best and min-p does not cut before it */
        }
        /* kOn without a crossing: rounding, the whole top-k set stays (as on the host) */
    }
    survivors = survivors < kept ? survivors : kept;
    /* The outcome goes through local memory: PoCL's optimizer has been seen to lose such values, kept in
     * registers across the barriers that follow. */
    if (lid == 0) {
        state[0] = survivors;
        state[1] = !none && !overflow && survivors <= g; /* few survivors */
        state[2] = !none && !overflow && survivors > g; /* many survivors */
        state[3] = none ? SAMPLE_NO_TOKEN : SAMPLE_OVERFLOW;
        state[4] = none ? 0 : (refused ? top_k : kept);
        state[5] = kept;
    }
    BARRIER();
    survivors = state[0];
    int small = state[1];
    int large = state[2];
    float yMax = max / temperature;

    /* Few survivors: the draw over them, sorted by id. */
    int drawCount = small ? survivors : 0;
    sample_sort_by_id(candKey, candId, drawCount, 1);
    for (int i = lid; i < drawCount; i += threads) {
        candSum[i] = EXPF(sample_key_value(candKey[i]) / temperature - yMax);
    }
    BARRIER();
    sample_prefix_sums_draw(candSum, drawCount, partial);
    float target = drawCount > 0 ? u * candSum[drawCount - 1] : 0.0f;
    if (lid == 0) {
        int lo = 0;
        int hi = drawCount;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (candSum[mid] > target) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        selInt[4] = lo < drawCount ? lo : SAMPLE_NO_ID;
    }
    BARRIER();

    /* Many survivors, top-p off: the members are the tokens min-p keeps (all when it is off). The draw walks the
     * vocabulary in id order, each thread a contiguous chunk. */
    int walkEnd = large ? end : begin;
    float run = 0.0f;
    int lastLikely = -1;
    for (int i = begin; i < walkEnd; i++) {
        float x = logits[i];
        if (!min_p_on || sample_min_p_keeps(x, max, min_p_log_hi, min_p_log_lo)) {
            float w = EXPF(x / temperature - yMax);
            run += w;
            if (w > 0.0f) {
                lastLikely = i;
            }
        }
    }
    partial[lid] = run;
    hist[lid] = lastLikely;
    BARRIER();
    if (lid == 0) {
        float offset = 0.0f;
        int last = 0;
        for (int t = 0; t < threads; t++) {
            float own = partial[t];
            partial[t] = offset;
            offset += own;
            last = hist[t] >= 0 ? hist[t] : last;
        }
        reduce[0] = offset;
        selInt[2] = SAMPLE_NO_ID;
        selInt[5] = last;
    }
    BARRIER();
    float offset = partial[lid];
    float next = lid + 1 < threads ? partial[lid + 1] : reduce[0];
    float walkTarget = u * reduce[0];
    /* The running sums never decrease (each chunk ends on the next one's offset, the same additions), so
     * exactly one thread's chunk crosses the target; it walks the chunk again. */
    if (large && offset <= walkTarget && next > walkTarget) {
        float before = offset;
        run = 0.0f;
        for (int i = begin; i < end; i++) {
            float x = logits[i];
            if (!min_p_on || sample_min_p_keeps(x, max, min_p_log_hi, min_p_log_lo)) {
                run += EXPF(x / temperature - yMax);
                float now = offset + run;
                if (now > walkTarget && before <= walkTarget) {
                    selInt[2] = i;
                }
                before = now;
            }
        }
    }
    BARRIER();
    if (lid == 0) {
        if (state[1]) {
            int pick = selInt[4];
            if (pick == SAMPLE_NO_ID) {
                /* rounding left the sum below the target: the last survivor with w > 0, where the sums last rose */
                pick = 0;
                for (int i = 1; i < state[0]; i++) {
                    if (candSum[i] > candSum[i - 1]) {
                        pick = i;
                    }
                }
            }
            out[0] = candId[pick];
            out[1] = state[0];
        } else if (state[2]) {
            out[0] = selInt[2] != SAMPLE_NO_ID ? selInt[2] : selInt[5];
            out[1] = state[5];
        } else {
            out[0] = state[3];
            out[1] = state[4];
        }
    }
}
