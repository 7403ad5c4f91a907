package ignis.runtime.sampling;

/**
 * The last {@code repeatLastN} accepted tokens (prompt and generated, as llama.cpp's sampler accepts both) and
 * how often each occurs among them, for the repetition, frequency and presence penalties.
 */
final class PenaltyWindow {
    private final float repeatPenalty;
    private final float frequencyPenalty;
    private final float presencePenalty;
    private final int[] recent;       // ring buffer of the window, oldest at (next - size)
    private final int[] occurrences;  // per token id: how many times it is in the window
    private int size;
    private int next;

    PenaltyWindow(SamplingParams params, int vocabularySize) {
        this.repeatPenalty = params.repeatPenalty();
        this.frequencyPenalty = params.frequencyPenalty();
        this.presencePenalty = params.presencePenalty();
        this.recent = new int[params.repeatLastN()];
        this.occurrences = new int[vocabularySize];
    }

    /** Records a token; once the window is full the oldest one leaves it. */
    void add(int token) {
        int capacity = recent.length;
        if (capacity == 0) {
            return;
        }
        if (size == capacity) {
            occurrences[recent[next]]--;
        } else {
            size++;
        }
        recent[next] = token;
        occurrences[token]++;
        next = (next + 1) % capacity;
    }

    void clear() {
        for (int i = 0; i < size; i++) {
            occurrences[recent[i]] = 0;
        }
        size = 0;
        next = 0;
    }

    /** True when applying the window cannot change any logit (llama.cpp's early exit). */
    boolean isInert() {
        return size == 0 || repeatPenalty == 1.0f && frequencyPenalty == 0.0f && presencePenalty == 0.0f;
    }

    int size() {
        return size;
    }

    /** The i-th token of the window in storage order (the order does not matter to the penalties). */
    int token(int i) {
        return recent[i];
    }

    /**
     * The penalized logit of a token occurring {@code count > 0} times in the window: the repetition penalty
     * divides a positive logit and multiplies a non-positive one (so both move down), then the frequency penalty
     * is subtracted per occurrence and the presence penalty once.
     */
    float penalize(float logit, int token) {
        int count = occurrences[token];
        float scaled = logit <= 0.0f ? logit * repeatPenalty : logit / repeatPenalty;
        return scaled - (count * frequencyPenalty + presencePenalty);
    }
}
