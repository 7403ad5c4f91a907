package ignis.server;

import ignis.runtime.serving.CompletionRequest;
import java.util.List;

/**
 * A validated /v1/completions or /v1/chat/completions request: one {@link CompletionRequest} per
 * choice (n of them, same prompt, seeds seed+i) and how to answer.
 *
 * @param promptTokens  tokens of the prompt (usage.prompt_tokens)
 * @param choices       what to submit, choice i at index i
 * @param stream        answer with server-sent events
 * @param includeUsage  streaming only: end with a chunk carrying usage (stream_options.include_usage)
 */
record ParsedRequest(int promptTokens, List<CompletionRequest> choices, boolean stream, boolean includeUsage) {
    ParsedRequest {
        choices = List.copyOf(choices);
    }
}
