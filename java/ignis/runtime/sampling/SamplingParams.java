package ignis.runtime.sampling;

import ignis.IgnisException;

/**
 * Settings of the token sampler, named and defaulted as llama.cpp's {@code common_params_sampling}.
 *
 * <p>The chain runs penalties, then top-k, top-p, min-p and temperature, then a seeded random draw.
 * {@code temperature <= 0} means greedy (argmax after penalties); {@code topK <= 0}, {@code topP == 1} and
 * {@code minP == 0} switch their filter off; {@code repeatLastN == 0} switches all penalties off.
 *
 * @param temperature      divides the logits before the draw; {@code <= 0} is greedy
 * @param topK             keep the k most likely tokens; {@code <= 0} keeps all
 * @param topP             keep the smallest set of most likely tokens whose probability reaches topP
 * @param minP             keep the tokens at least {@code minP} times as likely as the most likely one
 * @param repeatPenalty    divides positive / multiplies negative logits of tokens seen in the window
 * @param repeatLastN      how many most recent accepted tokens the penalties look at
 * @param frequencyPenalty subtracted once per occurrence in the window
 * @param presencePenalty  subtracted once when the token occurs in the window at all
 * @param seed             seed of the random draw; equal seeds and inputs give equal tokens
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float repeatPenalty,
                             int repeatLastN, float frequencyPenalty, float presencePenalty, long seed) {

    /** Seed of {@link #DEFAULTS}; llama.cpp draws a random one instead, which the caller may do and pass in. */
    public static final long DEFAULT_SEED = 42L;

    /** llama.cpp's defaults: temperature 0.8, top_k 40, top_p 0.95, min_p 0.05, no penalties, window 64. */
    public static final SamplingParams DEFAULTS =
            new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, 0.0f, 0.0f, DEFAULT_SEED);

    /** The defaults with temperature 0: always the most likely token. */
    public static final SamplingParams GREEDY = DEFAULTS.withTemperature(0.0f);

    public SamplingParams {
        requireFinite("temperature", temperature);
        if (!(topP > 0.0f && topP <= 1.0f)) {
            throw invalid("top_p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0.0f && minP <= 1.0f)) {
            throw invalid("min_p must be in [0, 1], got " + minP);
        }
        if (!(repeatPenalty > 0.0f && Float.isFinite(repeatPenalty))) {
            throw invalid("repeat_penalty must be a finite number > 0 (1 disables it), got " + repeatPenalty);
        }
        if (repeatLastN < 0) {
            throw invalid("repeat_last_n must be >= 0 (0 disables the penalties), got " + repeatLastN);
        }
        requireFinite("frequency_penalty", frequencyPenalty);
        requireFinite("presence_penalty", presencePenalty);
    }

    /** True when the draw is replaced by the argmax. */
    public boolean isGreedy() {
        return temperature <= 0.0f;
    }

    /** True when the token is the plain argmax of the logits: greedy with every penalty off. */
    public boolean isPlainArgmax() {
        boolean penalties = repeatLastN != 0 && (repeatPenalty != 1.0f || frequencyPenalty != 0.0f || presencePenalty != 0.0f);
        return isGreedy() && !penalties;
    }

    public SamplingParams withTemperature(float value) {
        return new SamplingParams(value, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, seed);
    }

    public SamplingParams withTopK(int value) {
        return new SamplingParams(temperature, value, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, seed);
    }

    public SamplingParams withTopP(float value) {
        return new SamplingParams(temperature, topK, value, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, seed);
    }

    public SamplingParams withMinP(float value) {
        return new SamplingParams(temperature, topK, topP, value, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, seed);
    }

    public SamplingParams withRepeatPenalty(float value) {
        return new SamplingParams(temperature, topK, topP, minP, value, repeatLastN, frequencyPenalty,
                presencePenalty, seed);
    }

    public SamplingParams withRepeatLastN(int value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, value, frequencyPenalty,
                presencePenalty, seed);
    }

    public SamplingParams withFrequencyPenalty(float value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, value,
                presencePenalty, seed);
    }

    public SamplingParams withPresencePenalty(float value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                value, seed);
    }

    public SamplingParams withSeed(long value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, value);
    }

    private static void requireFinite(String name, float value) {
        if (!Float.isFinite(value)) {
            throw invalid(name + " must be a finite number, got " + value);
        }
    }

    private static IgnisException invalid(String message) {
        return new IgnisException("invalid sampling parameter: " + message);
    }
}
