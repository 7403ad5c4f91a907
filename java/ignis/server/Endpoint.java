package ignis.server;

import ignis.runtime.GenerationResult;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The two generating endpoints and their OpenAI response shapes: whole responses, stream chunks
 * and usage. Maps keep key order so the JSON reads as OpenAI's does.
 */
enum Endpoint {
    COMPLETIONS("cmpl-", "text_completion", "text_completion"),
    CHAT("chatcmpl-", "chat.completion", "chat.completion.chunk");

    private final String idPrefix;
    private final String object;
    private final String chunkObject;

    Endpoint(String idPrefix, String object, String chunkObject) {
        this.idPrefix = idPrefix;
        this.object = object;
        this.chunkObject = chunkObject;
    }

    /** A fresh response id, e.g. "chatcmpl-3f2a...": 24 random hex digits after the prefix. */
    String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return idPrefix + String.format("%016x%08x", r.nextLong(), r.nextInt());
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }

    /** OpenAI's finish_reason: "stop" at an end token or a stop string, "length" when out of tokens or context. */
    static String finishReason(GenerationResult.StopReason reason) {
        return switch (reason) {
            case EOS, STOP_STRING -> "stop";
            case LENGTH, CONTEXT -> "length";
            case CANCELLED -> "abort";
        };
    }

    /** The non-streamed response: one choice per text. */
    Map<String, Object> response(String id, long created, String model, List<String> texts, List<GenerationResult> results,
                                 int promptTokens) {
        List<Object> choices = new java.util.ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", i);
            if (this == CHAT) {
                choice.put("message", message(texts.get(i)));
            } else {
                choice.put("text", texts.get(i));
            }
            choice.put("logprobs", null);
            choice.put("finish_reason", finishReason(results.get(i).stopReason()));
            choices.add(choice);
        }
        Map<String, Object> r = header(id, object, created, model);
        r.put("choices", choices);
        r.put("usage", usage(promptTokens, results));
        return r;
    }

    /** The first chunk of a chat choice: the role, no content yet (completions have none). */
    Map<String, Object> roleChunk(String id, long created, String model, int index) {
        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("role", "assistant");
        delta.put("content", "");
        return chunk(id, created, model, index, delta, "", null);
    }

    /** A chunk carrying text a token released. */
    Map<String, Object> textChunk(String id, long created, String model, int index, String text) {
        return chunk(id, created, model, index, Map.of("content", text), text, null);
    }

    /** The last chunk of a choice: no text, its finish_reason. */
    Map<String, Object> finalChunk(String id, long created, String model, int index, GenerationResult.StopReason reason) {
        return chunk(id, created, model, index, Map.of(), "", finishReason(reason));
    }

    /** After every choice ended (stream_options.include_usage): no choices, the usage. */
    Map<String, Object> usageChunk(String id, long created, String model, int promptTokens, List<GenerationResult> results) {
        Map<String, Object> r = header(id, chunkObject, created, model);
        r.put("choices", List.of());
        r.put("usage", usage(promptTokens, results));
        return r;
    }

    private Map<String, Object> chunk(String id, long created, String model, int index, Map<String, Object> delta, String text,
                                      String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", index);
        if (this == CHAT) {
            choice.put("delta", delta);
        } else {
            choice.put("text", text);
        }
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason);
        Map<String, Object> r = header(id, chunkObject, created, model);
        r.put("choices", List.of(choice));
        return r;
    }

    private static Map<String, Object> header(String id, String object, long created, String model) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", id);
        r.put("object", object);
        r.put("created", created);
        r.put("model", model);
        return r;
    }

    private static Map<String, Object> message(String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", "assistant");
        m.put("content", content);
        return m;
    }

    /** Usage of a request: the prompt counted once however many choices shared it, as OpenAI does. */
    static Map<String, Object> usage(int promptTokens, List<GenerationResult> results) {
        long completion = results.stream().mapToLong(r -> r.tokens().length).sum();
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completion);
        u.put("total_tokens", promptTokens + completion);
        return u;
    }
}
