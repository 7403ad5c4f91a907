package ignis.runtime.sampling;

/**
 * The tokens still in the running during one sampling step, with their logits and, at the end, their
 * probabilities. Arrays are sized to the vocabulary once; no step allocates.
 *
 * <p>Tokens are ranked by logit, higher first, ties broken by the lower token id, so every selection is
 * deterministic. The filters select without sorting: the surviving entries are in no particular order.
 */
final class Candidates {
    /** Up to this k, top-k uses a bounded heap (one cheap scan); above it, quickselect (fewer heap updates). */
    private static final int HEAP_SELECTION_LIMIT = 4096;

    private final int[] ids;
    private final float[] logits;
    private final double[] probabilities;
    private int size;

    Candidates(int capacity) {
        ids = new int[capacity];
        logits = new float[capacity];
        probabilities = new double[capacity];
    }

    /** Every token, in id order, with the given logits. */
    void loadAll(float[] source) {
        int n = ids.length;
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        System.arraycopy(source, 0, logits, 0, n);
        size = n;
    }

    /** Replaces a token's logit; valid only right after {@link #loadAll}, while position equals token id. */
    void setLogitOfToken(int token, float value) {
        logits[token] = value;
    }

    int size() {
        return size;
    }

    int id(int i) {
        return ids[i];
    }

    float logit(int i) {
        return logits[i];
    }

    double probability(int i) {
        return probabilities[i];
    }

    float maxLogit() {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, logits[i]);
        }
        return max;
    }

    /** Keeps only the best-ranked token (the lowest id among equal maxima). */
    void keepBest() {
        int best = 0;
        for (int i = 1; i < size; i++) {
            if (ranksAbove(i, best)) {
                best = i;
            }
        }
        swap(0, best);
        size = 1;
    }

    /** Keeps the k best-ranked tokens; k <= 0 or k >= size keeps everything. Selects, never sorts. */
    void keepTopK(int k) {
        if (k <= 0 || k >= size) {
            return;
        }
        if (k <= HEAP_SELECTION_LIMIT) {
            selectWithHeap(k);
        } else {
            selectWithPartitions(k);
        }
        size = k;
    }

    /**
     * Keeps the smallest set of best-ranked tokens whose softmax probability (over the current candidates)
     * reaches {@code p}, the token that crosses it included. Quickselect on probability mass instead of a sort:
     * expected O(size), and nothing is sorted even when the set is large.
     */
    void keepTopP(float p) {
        if (p >= 1.0f) {
            return;
        }
        double max = maxLogit();
        double total = 0.0;
        for (int i = 0; i < size; i++) {
            double weight = Math.exp(logits[i] - max);
            probabilities[i] = weight; // unnormalized, moved along by swap()
            total += weight;
        }
        double needed = p * total; // mass still to collect beyond the tokens before lo, which are all kept
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int pivot = partition(lo, hi);
            double above = 0.0;
            for (int i = lo; i < pivot; i++) {
                above += probabilities[i];
            }
            if (above >= needed) {
                hi = pivot; // the crossing token ranks above the pivot
            } else if (above + probabilities[pivot] >= needed) {
                size = pivot + 1; // the pivot crosses p
                return;
            } else {
                needed -= above + probabilities[pivot];
                lo = pivot + 1;
            }
        }
        // only rounding gets here (the whole set falls a hair short of p): keep everything
    }

    /** Keeps the tokens whose probability is at least {@code p} times the largest one. */
    void keepMinP(float p) {
        if (p <= 0.0f) {
            return;
        }
        double max = maxLogit();
        double minLogitGap = Math.log(p); // p_i >= p * p_max  <=>  logit_i - logit_max >= ln p
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (logits[i] - max >= minLogitGap) {
                ids[kept] = ids[i];
                logits[kept] = logits[i];
                kept++;
            }
        }
        size = kept;
    }

    /** Divides every logit by the temperature, as llama.cpp does (in float). */
    void divideLogits(float temperature) {
        for (int i = 0; i < size; i++) {
            logits[i] /= temperature;
        }
    }

    /** Softmax of the candidates' logits into their probabilities. */
    void computeProbabilities() {
        float max = maxLogit();
        double total = 0.0;
        for (int i = 0; i < size; i++) {
            double weight = Math.exp((double) logits[i] - max);
            probabilities[i] = weight;
            total += weight;
        }
        for (int i = 0; i < size; i++) {
            probabilities[i] /= total;
        }
    }

    /**
     * Moves the k best tokens into [0, k) with a bounded heap: [0, k) holds the best so far with the worst of them
     * at the root, and one scan of the rest replaces the root by any token ranking above it. O(size log k), mostly
     * a single comparison per token.
     */
    private void selectWithHeap(int k) {
        for (int node = k / 2 - 1; node >= 0; node--) {
            siftDownWorstFirst(node, k);
        }
        for (int i = k; i < size; i++) {
            if (ranksAbove(i, 0)) {
                swap(i, 0);
                siftDownWorstFirst(0, k);
            }
        }
    }

    /** Moves the k best tokens into [0, k) by quickselect: narrows [lo, hi) until k is a partition boundary. */
    private void selectWithPartitions(int k) {
        int lo = 0;
        int hi = size;
        while (lo < k && k < hi) {
            int pivot = partition(lo, hi);
            if (pivot < k) {
                lo = pivot + 1;
            } else {
                hi = pivot;
            }
        }
    }

    /**
     * Lomuto partition of [lo, hi) around the median of three: afterwards the tokens ranking above the pivot
     * fill [lo, pivot), those below fill (pivot, hi). Returns the pivot's position. The rank order is total (ties
     * go by id), so equal logits cannot degrade it.
     */
    private int partition(int lo, int hi) {
        int last = hi - 1;
        swap(medianOfThree(lo, lo + (hi - lo) / 2, last), last);
        int store = lo;
        for (int i = lo; i < last; i++) {
            if (ranksAbove(i, last)) {
                swap(i, store++);
            }
        }
        swap(store, last);
        return store;
    }

    /** Restores the heap property (each node ranks below its children) under {@code node} in [0, heapSize). */
    private void siftDownWorstFirst(int node, int heapSize) {
        while (true) {
            int child = 2 * node + 1;
            if (child >= heapSize) {
                return;
            }
            if (child + 1 < heapSize && ranksAbove(child, child + 1)) {
                child++;
            }
            if (!ranksAbove(node, child)) {
                return;
            }
            swap(node, child);
            node = child;
        }
    }

    private int medianOfThree(int a, int b, int c) {
        if (ranksAbove(a, b)) {
            if (ranksAbove(b, c)) {
                return b;
            }
            return ranksAbove(a, c) ? c : a;
        }
        if (ranksAbove(a, c)) {
            return a;
        }
        return ranksAbove(b, c) ? c : b;
    }

    private boolean ranksAbove(int i, int j) {
        return logits[i] > logits[j] || logits[i] == logits[j] && ids[i] < ids[j];
    }

    private void swap(int i, int j) {
        int id = ids[i];
        ids[i] = ids[j];
        ids[j] = id;
        float logit = logits[i];
        logits[i] = logits[j];
        logits[j] = logit;
        double probability = probabilities[i];
        probabilities[i] = probabilities[j];
        probabilities[j] = probability;
    }
}
