package ignis.runtime.sampling;

import ignis.IgnisException;
import java.util.Objects;

/**
 * Picks the next token from a row of logits the way llama.cpp's default sampler chain does: repetition,
 * frequency and presence penalties over the last accepted tokens, then top-k, top-p, min-p, temperature and a
 * seeded random draw from the softmax of what is left. A temperature {@code <= 0} picks the argmax after the
 * penalties (the lowest id among equal maxima).
 *
 * <p>Feed every prompt token and every generated token to {@link #accept} (llama.cpp's
 * {@code common_sampler_accept} does the same, so prompt tokens count towards the penalties); {@link #sample}
 * does not record the token it returns. The same seed, the same accepted tokens and the same logits give the same
 * tokens. After construction no call allocates. Not thread-safe: one sampler per generation stream.
 */
public final class Sampler {
    private final SamplingParams params;
    private final int vocabularySize;
    private final PenaltyWindow window;
    private final Candidates candidates;
    private final SplitMix64 random;

    public Sampler(SamplingParams params, int vocabularySize) {
        this.params = Objects.requireNonNull(params, "params");
        if (vocabularySize <= 0) {
            throw new IgnisException("sampler vocabulary size must be > 0, got " + vocabularySize);
        }
        this.vocabularySize = vocabularySize;
        this.window = new PenaltyWindow(params, vocabularySize);
        this.candidates = new Candidates(vocabularySize);
        this.random = new SplitMix64(params.seed());
    }

    public SamplingParams params() {
        return params;
    }

    public int vocabularySize() {
        return vocabularySize;
    }

    /** Records a prompt or generated token for the penalties. */
    public void accept(int token) {
        if (token < 0 || token >= vocabularySize) {
            throw new IgnisException(
                    "sampler: token " + token + " is outside the vocabulary of " + vocabularySize + " tokens");
        }
        window.add(token);
    }

    /** The next token for these logits (one per vocabulary entry); the array is only read. */
    public int sample(float[] logits) {
        prepareCandidates(logits);
        if (candidates.size() == 1) {
            return candidates.id(0);
        }
        double target = random.nextDouble();
        double cumulative = 0.0;
        int lastLikely = 0;
        for (int i = 0; i < candidates.size(); i++) {
            double p = candidates.probability(i);
            if (p > 0.0) {
                lastLikely = i;
                cumulative += p;
                if (cumulative > target) {
                    return candidates.id(i);
                }
            }
        }
        return candidates.id(lastLikely); // rounding left the sum a hair below the target
    }

    /** Forgets the accepted tokens and restarts the random sequence from the seed. */
    public void reset() {
        window.clear();
        random.reseed();
    }

    /**
     * Runs the chain up to the draw: afterwards candidate i (of the returned count) is token
     * {@link #candidateToken}, with logit {@link #candidateLogit} (penalized, divided by the temperature) and
     * probability {@link #candidateProbability}. Package-private for tests.
     */
    int prepareCandidates(float[] logits) {
        checkLogits(logits);
        candidates.loadAll(logits);
        applyPenalties(logits);
        if (candidates.maxLogit() == Float.NEGATIVE_INFINITY) {
            throw new IgnisException("sampler: every logit is -Infinity, no token can be sampled");
        }
        if (params.isGreedy()) {
            candidates.keepBest();
        } else {
            candidates.keepTopK(params.topK());
            candidates.keepTopP(params.topP());
            candidates.keepMinP(params.minP());
            candidates.divideLogits(params.temperature());
        }
        candidates.computeProbabilities();
        return candidates.size();
    }

    int candidateToken(int i) {
        return candidates.id(i);
    }

    float candidateLogit(int i) {
        return candidates.logit(i);
    }

    double candidateProbability(int i) {
        return candidates.probability(i);
    }

    private void applyPenalties(float[] logits) {
        if (window.isInert()) {
            return;
        }
        for (int i = 0; i < window.size(); i++) {
            int token = window.token(i);
            // Computed from the caller's logit, so a token occurring several times is penalized once.
            float penalized = window.penalize(logits[token], token);
            if (Float.isNaN(penalized) || penalized == Float.POSITIVE_INFINITY) {
                throw new IgnisException("sampler: penalties turned the logit " + logits[token] + " of token "
                        + token + " into " + penalized + "; check repeat_penalty, frequency_penalty, presence_penalty");
            }
            candidates.setLogitOfToken(token, penalized);
        }
    }

    private void checkLogits(float[] logits) {
        Objects.requireNonNull(logits, "logits");
        if (logits.length != vocabularySize) {
            throw new IgnisException("sampler: logits has " + logits.length + " entries but the vocabulary has "
                    + vocabularySize + " tokens");
        }
        for (int i = 0; i < logits.length; i++) {
            float logit = logits[i];
            if (Float.isNaN(logit) || logit == Float.POSITIVE_INFINITY) {
                throw new IgnisException("sampler: logit of token " + i + " is " + logit);
            }
        }
    }
}
