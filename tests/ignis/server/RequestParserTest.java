package ignis.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.runtime.GenerationParams;
import ignis.runtime.sampling.SamplingParams;
import ignis.tokenizer.Tokenizer;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Request bodies to CompletionRequests: defaults, every parameter, and a 400/404 naming the key for each bad one. */
class RequestParserTest {
    private static final int CONTEXT = 256;
    private final Tokenizer tokenizer = TestTokenizer.get();
    private final RequestParser parser = new RequestParser("fake-model", CONTEXT, tokenizer, ChatFormat.LLAMA2);

    private ParsedRequest completion(String json) {
        return parser.completion(JsonParser.parse(json));
    }

    private ParsedRequest chat(String json) {
        return parser.chat(JsonParser.parse(json));
    }

    @Test
    void completionDefaults() {
        ParsedRequest r = completion("{\"prompt\": \"Hello world\"}");
        assertEquals(1, r.choices().size());
        GenerationParams p = r.choices().getFirst().params();
        assertEquals(RequestParser.DEFAULT_COMPLETION_TOKENS, p.maxTokens());
        assertEquals(SamplingParams.DEFAULTS.withSeed(p.sampling().seed()), p.sampling());
        assertEquals(List.of(), p.stop());
        assertFalse(p.ignoreEos());
        assertFalse(r.stream());
        int[] expected = tokenizer.encode("Hello world", true, true);
        assertEquals(tokenizer.bos(), expected[0]);
        assertArrayEquals(expected, r.choices().getFirst().prompt());
        assertEquals(expected.length, r.promptTokens());
    }

    @Test
    void everyParameterReachesTheRequest() {
        ParsedRequest r = completion("{\"model\": \"fake-model\", \"prompt\": \"Hi\", \"max_tokens\": 7, \"temperature\": 0.5,"
                + " \"top_p\": 0.9, \"top_k\": 10, \"min_p\": 0.1, \"seed\": 5, \"stop\": [\"a\", \"b\"], \"frequency_penalty\": 0.5,"
                + " \"presence_penalty\": -0.5, \"repeat_penalty\": 1.1, \"repeat_last_n\": 32, \"ignore_eos\": true, \"n\": 3,"
                + " \"stream\": true, \"stream_options\": {\"include_usage\": true}}");
        assertEquals(3, r.choices().size());
        assertTrue(r.stream());
        assertTrue(r.includeUsage());
        for (int i = 0; i < 3; i++) {
            GenerationParams p = r.choices().get(i).params();
            assertEquals(new SamplingParams(0.5f, 10, 0.9f, 0.1f, 1.1f, 32, 0.5f, -0.5f, 5 + i), p.sampling());
            assertEquals(7, p.maxTokens());
            assertEquals(List.of("a", "b"), p.stop());
            assertTrue(p.ignoreEos());
        }
    }

    @Test
    void choicesWithoutASeedDrawDifferentOnes() {
        ParsedRequest r = completion("{\"prompt\": \"Hi\", \"n\": 2}");
        long first = r.choices().get(0).params().sampling().seed();
        assertEquals(first + 1, r.choices().get(1).params().sampling().seed());
        long other = completion("{\"prompt\": \"Hi\"}").choices().getFirst().params().sampling().seed();
        long third = completion("{\"prompt\": \"Hi\", \"seed\": -1}").choices().getFirst().params().sampling().seed();
        assertTrue(first != other || other != third, "seeds are drawn at random");
    }

    @Test
    void smallerForms() {
        assertEquals(List.of("x"), completion("{\"prompt\": \"Hi\", \"stop\": \"x\"}").choices().getFirst().params().stop());
        assertEquals(CONTEXT, completion("{\"prompt\": \"Hi\", \"repeat_last_n\": -1}").choices().getFirst().params().sampling().repeatLastN());
        assertEquals(3, completion("{\"prompt\": \"Hi\", \"max_tokens\": 3.0}").choices().getFirst().params().maxTokens());
        // nulls are absent, unknown keys are ignored
        ParsedRequest r = completion("{\"prompt\": \"Hi\", \"stop\": null, \"max_tokens\": null, \"logit_bias\": {}, \"user\": 5, \"echo\": false}");
        assertEquals(16, r.choices().getFirst().params().maxTokens());
        assertFalse(completion("{\"prompt\": \"Hi\", \"stream_options\": {\"include_usage\": true}}").includeUsage());
    }

    @Test
    void promptsParseSpecialTokensOrComeAsIds() {
        int[] special = completion("{\"prompt\": \"a</s>b\"}").choices().getFirst().prompt();
        assertTrue(IntStream.of(special).anyMatch(t -> t == tokenizer.eos()), "</s> is read as the EOS token");
        assertArrayEquals(new int[] {5, 6, 7}, completion("{\"prompt\": [5, 6, 7]}").choices().getFirst().prompt());
        assertArrayEquals(new int[] {5, 6}, completion("{\"prompt\": [[5, 6]]}").choices().getFirst().prompt());
        assertArrayEquals(tokenizer.encode("Hi", true, true), completion("{\"prompt\": [\"Hi\"]}").choices().getFirst().prompt());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`{\"prompt\":\"x\",\"max_tokens\":\"abc\"}`        | max_tokens | `\"max_tokens\" must be an integer >= 0, got \"abc\"`",
        "`{\"prompt\":\"x\",\"max_tokens\":-1}`             | max_tokens | `\"max_tokens\" must be an integer >= 0, got -1`",
        "`{\"prompt\":\"x\",\"max_tokens\":1.5}`            | max_tokens | `\"max_tokens\" must be an integer >= 0, got 1.5`",
        "`{\"prompt\":\"x\",\"temperature\":\"hot\"}`       | temperature | `\"temperature\" must be a number >= 0 (0 is greedy), got \"hot\"`",
        "`{\"prompt\":\"x\",\"temperature\":-1}`            | temperature | `\"temperature\" must be a number >= 0`",
        "`{\"prompt\":\"x\",\"top_p\":0}`                   | top_p | `\"top_p\" must be a number in (0, 1], got 0`",
        "`{\"prompt\":\"x\",\"top_p\":1.5}`                 | top_p | `\"top_p\" must be a number in (0, 1], got 1.5`",
        "`{\"prompt\":\"x\",\"top_k\":2.5}`                 | top_k | `\"top_k\" must be an integer`",
        "`{\"prompt\":\"x\",\"min_p\":2}`                   | min_p | `\"min_p\" must be a number in [0, 1], got 2`",
        "`{\"prompt\":\"x\",\"seed\":\"s\"}`                | seed | `\"seed\" must be an integer, got \"s\"`",
        "`{\"prompt\":\"x\",\"stop\":5}`                    | stop | `\"stop\" must be a non-empty string or an array of up to 4 non-empty strings, got 5`",
        "`{\"prompt\":\"x\",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}` | stop | `\"stop\" must be`",
        "`{\"prompt\":\"x\",\"stop\":\"\"}`                 | stop | `\"stop\" must be`",
        "`{\"prompt\":\"x\",\"stop\":[\"a\",\"\"]}`         | stop | `\"stop\" must be`",
        "`{\"prompt\":\"x\",\"n\":0}`                       | n | `\"n\" must be an integer from 1 to 16, got 0`",
        "`{\"prompt\":\"x\",\"n\":17}`                      | n | `\"n\" must be an integer from 1 to 16, got 17`",
        "`{\"prompt\":\"x\",\"n\":\"2\"}`                   | n | `\"n\" must be an integer from 1 to 16, got \"2\"`",
        "`{\"prompt\":\"x\",\"stream\":\"yes\"}`            | stream | `\"stream\" must be true or false, got \"yes\"`",
        "`{\"prompt\":\"x\",\"ignore_eos\":1}`              | ignore_eos | `\"ignore_eos\" must be true or false, got 1`",
        "`{\"prompt\":\"x\",\"frequency_penalty\":3}`       | frequency_penalty | `\"frequency_penalty\" must be a number in [-2, 2], got 3`",
        "`{\"prompt\":\"x\",\"presence_penalty\":[]}`       | presence_penalty | `\"presence_penalty\" must be a number in [-2, 2], got []`",
        "`{\"prompt\":\"x\",\"repeat_penalty\":0}`          | repeat_penalty | `\"repeat_penalty\" must be a number > 0`",
        "`{\"prompt\":\"x\",\"repeat_last_n\":-2}`          | repeat_last_n | `\"repeat_last_n\" must be an integer >= -1`",
        "`{\"prompt\":\"x\",\"stream_options\":5}`          | stream_options | `\"stream_options\" must be an object, got 5`",
        "`{\"prompt\":\"x\",\"model\":7}`                   | model | `\"model\" must be a string, got 7`",
        "`{}`                                               | prompt | `\"prompt\" is required`",
        "`{\"prompt\":null}`                                | prompt | `\"prompt\" is required`",
        "`{\"prompt\":5}`                                   | prompt | `\"prompt\" must be a string or an array of token ids, got 5`",
        "`{\"prompt\":[]}`                                  | prompt | `\"prompt\" must be a non-empty`",
        "`{\"prompt\":[\"a\",\"b\"]}`                       | prompt | `only one prompt per request is supported, got 2`",
        "`{\"prompt\":[[1],[2]]}`                           | prompt | `only one prompt per request is supported, got 2`",
        "`{\"prompt\":[1,\"a\"]}`                           | prompt | `\"prompt[1]\" must be a token id from 0 to 2047, got \"a\"`",
        "`{\"prompt\":[1,99999]}`                           | prompt | `\"prompt[1]\" must be a token id from 0 to 2047, got 99999`",
    })
    void badCompletionKeysAre400sNamingTheKey(String json, String param, String message) {
        ApiException e = assertThrows(ApiException.class, () -> completion(json));
        assertEquals(400, e.status);
        assertEquals("invalid_request_error", e.type);
        assertEquals(param, e.param);
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`{}`                                                   | `\"messages\" is required`",
        "`{\"messages\":\"hi\"}`                                | `\"messages\" must be an array of {\"role\", \"content\"} objects, got \"hi\"`",
        "`{\"messages\":[]}`                                    | `\"messages\" must not be empty`",
        "`{\"messages\":[5]}`                                   | `\"messages[0]\" must be an object with \"role\" and \"content\", got 5`",
        "`{\"messages\":[{\"content\":\"x\"}]}`                 | `\"messages[0].role\" is required`",
        "`{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"tool\",\"content\":\"x\"}]}` | `\"messages[1].role\" must be \"system\", \"user\" or \"assistant\", got \"tool\"`",
        "`{\"messages\":[{\"role\":\"user\",\"content\":5}]}`  | `\"messages[0].content\" must be a string or an array of text parts, got 5`",
        "`{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}` | `\"messages[0].content[0].type\" must be \"text\" (only text content is supported), got \"image_url\"`",
        "`{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]}` | `\"messages[0].content[0].text\" must be a string, got null`",
    })
    void badMessagesAre400sNamingThePlace(String json, String message) {
        ApiException e = assertThrows(ApiException.class, () -> chat(json));
        assertEquals(400, e.status);
        assertEquals("messages", e.param);
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void chatRendersTheConversationAndFillsTheContextByDefault() {
        ParsedRequest r = chat("{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"},"
                + " {\"role\": \"assistant\", \"content\": null}, {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"a\"},"
                + " {\"type\": \"text\", \"text\": \"b\"}]}]}");
        String text = "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]  </s><s>[INST] a\nb [/INST]";
        int[] expected = tokenizer.encode(text, true, true);
        assertArrayEquals(expected, r.choices().getFirst().prompt());
        assertEquals(tokenizer.bos(), expected[0]);
        assertEquals(1, IntStream.of(expected).filter(t -> t == tokenizer.bos()).count() - 1, "one BOS added, one <s> in the text");
        assertEquals(CONTEXT - expected.length, r.choices().getFirst().params().maxTokens());
    }

    @Test
    void chatTakesMaxCompletionTokensOverMaxTokens() {
        String messages = "\"messages\": [{\"role\": \"developer\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": \"Hi\"}]";
        assertEquals(5, chat("{" + messages + ", \"max_tokens\": 9, \"max_completion_tokens\": 5}").choices().getFirst().params().maxTokens());
        assertEquals(9, chat("{" + messages + ", \"max_tokens\": 9}").choices().getFirst().params().maxTokens());
        ApiException e = assertThrows(ApiException.class, () -> chat("{" + messages + ", \"max_completion_tokens\": \"x\"}"));
        assertEquals("max_completion_tokens", e.param);
    }

    @Test
    void promptPlusMaxTokensMustFitTheContext() {
        int promptTokens = tokenizer.encode("Hello world", true, true).length;
        ApiException e = assertThrows(ApiException.class, () -> completion("{\"prompt\": \"Hello world\", \"max_tokens\": 250}"));
        assertEquals(400, e.status);
        assertEquals("the prompt has " + promptTokens + " tokens and \"max_tokens\" is 250: " + (promptTokens + 250)
                + " positions, more than the context length 256", e.getMessage());
        assertEquals(CONTEXT - promptTokens,
                completion("{\"prompt\": \"Hello world\", \"max_tokens\": " + (CONTEXT - promptTokens) + "}").choices().getFirst().params().maxTokens());
        String longText = "word ".repeat(300);
        ApiException chatError = assertThrows(ApiException.class,
                () -> chat("{\"messages\": [{\"role\": \"user\", \"content\": \"" + longText + "\"}]}"));
        assertTrue(chatError.getMessage().contains("leaving no room to reply in the context length 256"), chatError.getMessage());
        assertEquals("messages", chatError.param);
    }

    @Test
    void anotherModelIs404AndAMissingOneIsFine() {
        ApiException e = assertThrows(ApiException.class, () -> completion("{\"prompt\": \"x\", \"model\": \"gpt-4\"}"));
        assertEquals(404, e.status);
        assertEquals("not_found_error", e.type);
        assertEquals("model", e.param);
        assertTrue(e.getMessage().contains("\"gpt-4\""), e.getMessage());
        assertEquals(1, completion("{\"prompt\": \"x\"}").choices().size());
    }

    @Test
    void theBodyMustBeAnObject() {
        ApiException e = assertThrows(ApiException.class, () -> completion("[1]"));
        assertEquals(400, e.status);
        assertNull(e.param);
        assertEquals("the request body must be a JSON object, got [1]", e.getMessage());
    }
}
