package ignis.runtime.sampling;

/**
 * The tokens still in the running during one sampling step, with their logits and, at the end, their
 * probabilities. Arrays are sized to the vocabulary once; no step allocates.
 *
 * <p>Tokens are ranked by logit, higher first, ties broken by the lower token id, so every selection is
 * deterministic. While {@code sorted} is false the entries are in no particular order (initially by token id).
 */
final class Candidates {
    /** Top-p over an unsorted vocabulary first ranks this many tokens, growing the ranked prefix only as needed. */
    private static final int TOP_P_FIRST_RANKING = 256;
    private static final int TOP_P_GROWTH = 4;

    private final int[] ids;
    private final float[] logits;
    private final double[] probabilities;
    private int size;
    private boolean sorted;

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
        sorted = false;
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
        if (sorted) {
            return logits[0];
        }
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
        sorted = true;
    }

    /** Keeps the k best tokens, ranked; k <= 0 or k >= size keeps everything as it is. */
    void keepTopK(int k) {
        if (k <= 0 || k >= size) {
            return;
        }
        rankBest(k);
        size = k;
        sorted = true;
    }

    /**
     * Keeps the smallest prefix of the ranked tokens whose softmax probability (over the current candidates)
     * reaches {@code p}, the token that crosses it included. When unsorted, ranks only as many tokens as needed.
     */
    void keepTopP(float p) {
        if (p >= 1.0f) {
            return;
        }
        float max = maxLogit();
        double total = 0.0;
        for (int i = 0; i < size; i++) {
            total += Math.exp((double) logits[i] - max);
        }
        int ranked = size;
        if (!sorted) {
            ranked = Math.min(size, TOP_P_FIRST_RANKING);
            rankBest(ranked);
        }
        double cumulative = 0.0;
        for (int i = 0; i < size; i++) {
            if (i == ranked) {
                // The best `ranked` tokens keep their places when more are ranked: the order is total.
                ranked = (int) Math.min(size, (long) ranked * TOP_P_GROWTH);
                rankBest(ranked);
            }
            cumulative += Math.exp((double) logits[i] - max) / total;
            if (cumulative >= p) {
                size = i + 1;
                break;
            }
        }
        sorted = true;
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
            } else if (sorted) {
                break;
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
     * Moves the {@code m} best of the current candidates to the front, best first; the others stay behind them
     * in some order. A bounded heap whose root is the worst of the best-so-far scans the rest once, then is
     * heap-sorted: O(size log m) without sorting the whole vocabulary.
     */
    private void rankBest(int m) {
        for (int root = m / 2 - 1; root >= 0; root--) {
            siftDownWorstFirst(root, m);
        }
        for (int i = m; i < size; i++) {
            if (ranksAbove(i, 0)) {
                swap(i, 0); // the evicted token stays in the array: the candidate set is unchanged
                siftDownWorstFirst(0, m);
            }
        }
        for (int end = m - 1; end > 0; end--) {
            swap(0, end); // the worst of the heap goes to the back, leaving the best at the front
            siftDownWorstFirst(0, end);
        }
    }

    /** Restores the heap property (each node ranks below its children) below {@code node} in [0, heapSize). */
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
    }
}
