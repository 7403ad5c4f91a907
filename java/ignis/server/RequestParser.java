package ignis.server;

import ignis.IgnisException;
import ignis.runtime.GenerationParams;
import ignis.runtime.sampling.SamplingParams;
import ignis.runtime.serving.CompletionRequest;
import ignis.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns request bodies of /v1/completions and /v1/chat/completions into {@link ParsedRequest}s,
 * checking every known key the way OpenAI documents it (and llama.cpp's extras: top_k, min_p,
 * repeat_penalty, repeat_last_n, ignore_eos). Sampling defaults are llama.cpp's
 * ({@link SamplingParams#DEFAULTS}) since this is a llama.cpp-style server. Prompts are tokenized
 * as llama.cpp's server does: BOS added as the vocabulary asks, special-token text parsed.
 */
final class RequestParser {
    /** OpenAI's and vLLM's default max_tokens of a text completion. */
    static final int DEFAULT_COMPLETION_TOKENS = 16;
    static final int MAX_CHOICES = 16;
    static final int MAX_STOP_STRINGS = 4;

    private final String modelName;
    private final int contextLength;
    private final Tokenizer tokenizer;
    private final ChatFormat chatFormat;

    RequestParser(String modelName, int contextLength, Tokenizer tokenizer, ChatFormat chatFormat) {
        this.modelName = modelName;
        this.contextLength = contextLength;
        this.tokenizer = tokenizer;
        this.chatFormat = chatFormat;
    }

    /** A /v1/completions body: "prompt" is a string or token ids. */
    ParsedRequest completion(Object body) {
        Fields f = Fields.of(body);
        checkModel(f);
        int[] prompt = completionPrompt(f);
        Long maxTokens = f.integer("max_tokens", 0, Integer.MAX_VALUE, ">= 0");
        int max = maxTokens != null ? maxTokens.intValue() : DEFAULT_COMPLETION_TOKENS;
        checkFits("prompt", prompt.length, max, maxTokens == null ? "the default max_tokens" : "\"max_tokens\"");
        return build(f, prompt, max);
    }

    /** A /v1/chat/completions body: "messages" laid out by the model's chat format. */
    ParsedRequest chat(Object body) {
        Fields f = Fields.of(body);
        checkModel(f);
        List<ChatMessage> messages = messages(f);
        int[] prompt = tokenizer.encode(chatFormat.render(messages), true, true);
        // max_completion_tokens is OpenAI's newer name for max_tokens in chat; it wins when both are given.
        String key = f.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        Long maxTokens = f.integer(key, 0, Integer.MAX_VALUE, ">= 0");
        if (maxTokens == null) {
            if (prompt.length >= contextLength) {
                throw ApiException.badRequest("messages", "the messages take " + prompt.length
                        + " prompt tokens, leaving no room to reply in the context length " + contextLength);
            }
            return build(f, prompt, contextLength - prompt.length); // whatever fits
        }
        checkFits("messages", prompt.length, maxTokens.intValue(), "\"" + key + "\"");
        return build(f, prompt, maxTokens.intValue());
    }

    private void checkModel(Fields f) {
        String model = f.string("model");
        if (model != null && !model.equals(modelName)) {
            throw ApiException.notFound("model", "the model \"" + model + "\" does not exist; this server serves \"" + modelName + "\"");
        }
    }

    private void checkFits(String param, int promptTokens, int maxTokens, String maxName) {
        if ((long) promptTokens + maxTokens > contextLength) {
            throw ApiException.badRequest(param, "the prompt has " + promptTokens + " tokens and " + maxName + " is " + maxTokens
                    + ": " + ((long) promptTokens + maxTokens) + " positions, more than the context length " + contextLength);
        }
    }

    private int[] completionPrompt(Fields f) {
        Object p = f.raw("prompt");
        if (p == null) {
            throw ApiException.badRequest("prompt", "\"prompt\" is required: a string or an array of token ids");
        }
        if (p instanceof String s) {
            return encode(s);
        }
        if (p instanceof List<?> list) {
            if (list.isEmpty()) {
                throw Fields.wrong("prompt", "a non-empty string or array of token ids", p);
            }
            if (list.stream().allMatch(e -> e instanceof String)) {
                if (list.size() > 1) {
                    throw ApiException.badRequest("prompt", "only one prompt per request is supported, got " + list.size());
                }
                return encode((String) list.getFirst());
            }
            if (list.stream().allMatch(e -> e instanceof List<?>)) {
                if (list.size() > 1) {
                    throw ApiException.badRequest("prompt", "only one prompt per request is supported, got " + list.size());
                }
                return tokenIds((List<?>) list.getFirst());
            }
            return tokenIds(list);
        }
        throw Fields.wrong("prompt", "a string or an array of token ids", p);
    }

    private int[] encode(String text) {
        int[] tokens = tokenizer.encode(text, true, true);
        if (tokens.length == 0) {
            throw ApiException.badRequest("prompt", "the prompt is empty: it has no tokens to start from");
        }
        return tokens;
    }

    private int[] tokenIds(List<?> list) {
        if (list.isEmpty()) {
            throw Fields.wrong("prompt", "a non-empty array of token ids", list);
        }
        int vocab = tokenizer.vocabularySize();
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            Long id = Fields.asInteger(list.get(i));
            if (id == null || id < 0 || id >= vocab) {
                throw Fields.wrong("prompt[" + i + "]", "a token id from 0 to " + (vocab - 1), list.get(i));
            }
            ids[i] = id.intValue();
        }
        return ids;
    }

    private List<ChatMessage> messages(Fields f) {
        Object m = f.raw("messages");
        if (m == null) {
            throw ApiException.badRequest("messages", "\"messages\" is required: an array of {\"role\", \"content\"} objects");
        }
        if (!(m instanceof List<?> list)) {
            throw Fields.wrong("messages", "an array of {\"role\", \"content\"} objects", m);
        }
        if (list.isEmpty()) {
            throw ApiException.badRequest("messages", "\"messages\" must not be empty");
        }
        List<ChatMessage> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String at = "messages[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> entry)) {
                throw Fields.wrong(at, "an object with \"role\" and \"content\"", list.get(i));
            }
            out.add(new ChatMessage(role(entry.get("role"), at + ".role"), content(entry.get("content"), at + ".content")));
        }
        return out;
    }

    private static ChatMessage.Role role(Object v, String key) {
        if (v == null) {
            throw ApiException.badRequest("messages", "\"" + key + "\" is required");
        }
        String name = v instanceof String s ? s : "";
        return switch (name) {
            case "system", "developer" -> ChatMessage.Role.SYSTEM; // "developer" is OpenAI's newer name for system
            case "user" -> ChatMessage.Role.USER;
            case "assistant" -> ChatMessage.Role.ASSISTANT;
            default -> throw Fields.wrong(key, "\"system\", \"user\" or \"assistant\"", v);
        };
    }

    /** A string, or an array of {"type": "text", "text": ...} parts joined by newlines; null (an assistant's tool call) is empty. */
    private static String content(Object v, String key) {
        if (v == null) {
            return "";
        }
        if (v instanceof String s) {
            return s;
        }
        if (!(v instanceof List<?> parts)) {
            throw Fields.wrong(key, "a string or an array of text parts", v);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            String at = key + "[" + i + "]";
            if (!(parts.get(i) instanceof Map<?, ?> part)) {
                throw Fields.wrong(at, "an object {\"type\": \"text\", \"text\": ...}", parts.get(i));
            }
            if (!"text".equals(part.get("type"))) {
                throw Fields.wrong(at + ".type", "\"text\" (only text content is supported)", part.get("type"));
            }
            if (!(part.get("text") instanceof String text)) {
                throw Fields.wrong(at + ".text", "a string", part.get("text"));
            }
            sb.append(i == 0 ? "" : "\n").append(text);
        }
        return sb.toString();
    }

    /** The keys shared by both endpoints: sampling, stop strings, n, stream. */
    private ParsedRequest build(Fields f, int[] prompt, int maxTokens) {
        SamplingParams s;
        try {
            s = sampling(f);
        } catch (IgnisException e) {
            throw ApiException.badRequest(null, e.getMessage()); // e.g. a temperature too large for a float
        }
        List<String> stop = stop(f);
        boolean ignoreEos = Boolean.TRUE.equals(f.bool("ignore_eos"));
        Long choiceCount = f.integer("n", 1, MAX_CHOICES, "from 1 to " + MAX_CHOICES);
        int n = choiceCount == null ? 1 : choiceCount.intValue();
        boolean stream = Boolean.TRUE.equals(f.bool("stream"));
        Fields streamOptions = f.object("stream_options");
        boolean includeUsage = stream && streamOptions != null && Boolean.TRUE.equals(streamOptions.bool("include_usage"));
        Long seed = f.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE, "");
        // Without a seed (or llama.cpp's -1, "random") every request draws its own, so n choices differ.
        long base = seed == null || seed == -1 ? ThreadLocalRandom.current().nextLong() : seed;
        List<CompletionRequest> choices = new ArrayList<>(n);
        try {
            GenerationParams params = new GenerationParams(maxTokens, s, stop, ignoreEos);
            for (int i = 0; i < n; i++) {
                choices.add(new CompletionRequest(prompt, params.withSampling(s.withSeed(base + i))));
            }
        } catch (IgnisException e) {
            throw ApiException.badRequest(null, e.getMessage());
        }
        return new ParsedRequest(prompt.length, choices, stream, includeUsage);
    }

    private SamplingParams sampling(Fields f) {
        SamplingParams s = SamplingParams.DEFAULTS;
        Double d;
        Long l;
        if ((d = f.number("temperature", v -> v >= 0, ">= 0 (0 is greedy)")) != null) {
            s = s.withTemperature(d.floatValue());
        }
        if ((d = f.number("top_p", v -> v > 0 && v <= 1, "in (0, 1]")) != null) {
            s = s.withTopP(d.floatValue());
        }
        if ((l = f.integer("top_k", Integer.MIN_VALUE, Integer.MAX_VALUE, "(<= 0 keeps every token)")) != null) {
            s = s.withTopK(l.intValue());
        }
        if ((d = f.number("min_p", v -> v >= 0 && v <= 1, "in [0, 1]")) != null) {
            s = s.withMinP(d.floatValue());
        }
        if ((d = f.number("frequency_penalty", v -> v >= -2 && v <= 2, "in [-2, 2]")) != null) {
            s = s.withFrequencyPenalty(d.floatValue());
        }
        if ((d = f.number("presence_penalty", v -> v >= -2 && v <= 2, "in [-2, 2]")) != null) {
            s = s.withPresencePenalty(d.floatValue());
        }
        if ((d = f.number("repeat_penalty", v -> v > 0 && v <= Float.MAX_VALUE, "> 0 (1 disables it)")) != null) {
            s = s.withRepeatPenalty(d.floatValue());
        }
        if ((l = f.integer("repeat_last_n", -1, Integer.MAX_VALUE, ">= -1 (0 disables the penalties, -1 is the context length)")) != null) {
            s = s.withRepeatLastN(l == -1 ? contextLength : l.intValue());
        }
        return s;
    }

    private static List<String> stop(Fields f) {
        Object v = f.raw("stop");
        if (v == null) {
            return List.of();
        }
        String expected = "a non-empty string or an array of up to " + MAX_STOP_STRINGS + " non-empty strings";
        if (v instanceof String s) {
            if (s.isEmpty()) {
                throw Fields.wrong("stop", expected, v);
            }
            return List.of(s);
        }
        if (v instanceof List<?> list && list.size() <= MAX_STOP_STRINGS
                && list.stream().allMatch(e -> e instanceof String s && !s.isEmpty())) {
            return list.stream().map(String.class::cast).toList();
        }
        throw Fields.wrong("stop", expected, v);
    }
}
