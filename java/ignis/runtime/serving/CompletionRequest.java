package ignis.runtime.serving;

import ignis.IgnisException;
import ignis.runtime.GenerationParams;

/** One sequence to generate: prompt token ids (BOS included if wanted) and how to generate after them. */
public record CompletionRequest(int[] prompt, GenerationParams params) {

    public CompletionRequest {
        if (prompt == null || prompt.length == 0) {
            throw new IgnisException("the prompt is empty (no tokens to start from)");
        }
        prompt = prompt.clone();
        if (params == null) {
            throw new IgnisException("generation parameters are missing");
        }
    }
}
