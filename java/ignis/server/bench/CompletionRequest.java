package ignis.server.bench;

import ignis.cli.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/** One entry of a request mix: the prompt text and how many tokens to generate. */
public record CompletionRequest(String prompt, int maxTokens) {
    public CompletionRequest {
        if (prompt == null) {
            throw new IllegalArgumentException("prompt is null");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be >= 1, got " + maxTokens);
        }
    }

    /**
     * The streaming request body. Greedy and ignore_eos so every request generates exactly
     * max_tokens tokens: the load is then the same from run to run and level to level.
     */
    public String toJson() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("prompt", prompt);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        body.put("stream", true);
        body.put("ignore_eos", true);
        return Json.write(body);
    }
}
