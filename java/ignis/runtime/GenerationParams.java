package ignis.runtime;

import ignis.IgnisException;
import ignis.runtime.sampling.SamplingParams;
import java.util.List;

/**
 * What to generate: at most {@code maxTokens} tokens sampled with {@code sampling}, stopping early
 * at an end-of-generation token (unless {@code ignoreEos}) or when the text reaches one of
 * {@code stop} (the stop string itself is not returned).
 */
public record GenerationParams(int maxTokens, SamplingParams sampling, List<String> stop, boolean ignoreEos) {

    public GenerationParams {
        if (maxTokens < 0) {
            throw new IgnisException("max_tokens must be >= 0, got " + maxTokens);
        }
        stop = List.copyOf(stop);
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw new IgnisException("stop strings must not be empty");
        }
    }

    /** 128 tokens, llama.cpp's default sampling. */
    public static GenerationParams defaults() {
        return new GenerationParams(128, SamplingParams.DEFAULTS, List.of(), false);
    }

    /** Greedy decoding of {@code maxTokens} tokens. */
    public static GenerationParams greedy(int maxTokens) {
        return new GenerationParams(maxTokens, SamplingParams.GREEDY, List.of(), false);
    }

    public GenerationParams withMaxTokens(int n) {
        return new GenerationParams(n, sampling, stop, ignoreEos);
    }

    public GenerationParams withSampling(SamplingParams s) {
        return new GenerationParams(maxTokens, s, stop, ignoreEos);
    }

    public GenerationParams withStop(List<String> s) {
        return new GenerationParams(maxTokens, sampling, s, ignoreEos);
    }

    public GenerationParams withIgnoreEos(boolean ignore) {
        return new GenerationParams(maxTokens, sampling, stop, ignore);
    }
}
