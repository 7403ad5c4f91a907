package ignis.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.cli.Json;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The strict JSON parser: every RFC 8259 form, and errors that say what and where. */
class JsonParserTest {

    @Test
    void parsesEveryKindOfValue() {
        Object v = JsonParser.parse(" {\"a\": [1, -2, 3.5, 1e2, -0, 0.25E-1, true, false, null], \"b\": {\"c\": \"d\"}, \"e\": []} \n");
        Map<?, ?> m = assertInstanceOf(LinkedHashMap.class, v);
        assertEquals(List.of("a", "b", "e"), List.copyOf(m.keySet()));
        assertEquals(Arrays.asList(1L, -2L, 3.5, 100.0, 0L, 0.025, true, false, null), m.get("a"));
        assertEquals(Map.of("c", "d"), m.get("b"));
        assertEquals(List.of(), m.get("e"));
        assertEquals(Map.of(), JsonParser.parse("{}"));
        assertNull(JsonParser.parse("null"));
        assertEquals("x", JsonParser.parse("\"x\""));
    }

    @Test
    void integersAreLongsAndWiderOnesDoubles() {
        assertEquals(Long.MAX_VALUE, JsonParser.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, JsonParser.parse("-9223372036854775808"));
        assertEquals(9.223372036854775808E18, JsonParser.parse("9223372036854775808"));
        assertInstanceOf(Double.class, JsonParser.parse("16.0"));
        assertInstanceOf(Double.class, JsonParser.parse("16e0"));
    }

    @Test
    void decodesEveryEscapeAndSurrogatePairs() {
        assertEquals("\" \\ / \b \f \n \r \t A é", JsonParser.parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00E9\""));
        assertEquals("\uD83D\uDE00", JsonParser.parse("\"\\ud83d\\uDE00\""));
        assertEquals("😀 中", JsonParser.parse("\"😀 中\"")); // raw non-ASCII passes through
        assertEquals("😀", JsonParser.parse("\"😀\"".getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``                      | 0  | expected a JSON value",
        "`   `                   | 3  | expected a JSON value",
        "`{\"a\":1,}`            | 7  | expected a string key",
        "`{\"a\" 1}`             | 5  | expected ':' after the object key",
        "`{\"a\":1 \"b\":2}`     | 7  | expected ',' or '}' after an object member",
        "`[1 2]`                 | 3  | expected ',' or ']' after an array element",
        "`[1,]`                  | 3  | expected a JSON value",
        "`{\"a\":1} x`           | 8  | expected the end of the input after the JSON value",
        "`01`                    | 1  | expected the end of the input",
        "`1.`                    | 2  | expected a digit after the decimal point",
        "`1e`                    | 2  | expected a digit in the exponent",
        "`-`                     | 1  | expected a digit",
        "`+1`                    | 0  | expected a JSON value",
        "`.5`                    | 0  | expected a JSON value",
        "`NaN`                   | 0  | expected a JSON value",
        "`tru`                   | 0  | expected a JSON value",
        "`'a'`                   | 0  | expected a JSON value",
        "`\"abc`                 | 4  | expected '\"' to close the string",
        "`\"\\x\"`               | 2  | expected one of the escapes",
        "`\"\\u12G4\"`           | 5  | expected 4 hex digits after \\u",
        "`\"\\ud83d\"`           | 7  | expected a \\u escape of a low surrogate",
        "`\"\\ud83d\\u0041\"`    | 9  | expected a low surrogate",
        "`\"\\ude00\"`           | 1  | expected a \\u escape other than a lone low surrogate",
        "`{\"a\":1,\"a\":2}`     | 7  | expected unique object keys, found a second \"a\"",
        "`1e999`                 | 0  | expected a number within the range of a double",
        "`{1:2}`                 | 1  | expected a string key or '}'",
    })
    void errorsNameWhatWasExpectedAndWhere(String text, int offset, String expected) {
        JsonParseException e = assertThrows(JsonParseException.class, () -> JsonParser.parse(text));
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
        assertTrue(e.getMessage().contains("offset " + offset), e.getMessage());
    }

    @Test
    void errorMessagesShowTheCharacterFound() {
        assertEquals("expected ',' or ']' after an array element at offset 3, found 'x'",
                assertThrows(JsonParseException.class, () -> JsonParser.parse("[1 x]")).getMessage());
        assertEquals("expected ',' or ']' after an array element at offset 2, found the end of the input",
                assertThrows(JsonParseException.class, () -> JsonParser.parse("[1")).getMessage());
    }

    @Test
    void refusesRawControlCharactersAndNonJsonWhitespace() {
        assertEquals(2, assertThrows(JsonParseException.class, () -> JsonParser.parse("\"a\nb\"")).offset());
        JsonParseException e = assertThrows(JsonParseException.class, () -> JsonParser.parse("\u00a0{}"));
        assertTrue(e.getMessage().contains("U+00A0"), e.getMessage());
        assertThrows(JsonParseException.class, () -> JsonParser.parse("\f{}"));
    }

    @Test
    void refusesMalformedUtf8AtItsByteOffset() {
        byte[] bytes = {'"', 'a', (byte) 0xC3, '"'}; // a lead byte without its continuation
        JsonParseException e = assertThrows(JsonParseException.class, () -> JsonParser.parse(bytes));
        assertEquals(2, e.offset());
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void limitsNesting() {
        String ok = "[".repeat(JsonParser.MAX_DEPTH) + "]".repeat(JsonParser.MAX_DEPTH);
        assertInstanceOf(List.class, JsonParser.parse(ok));
        String deep = "[".repeat(JsonParser.MAX_DEPTH + 1) + "]".repeat(JsonParser.MAX_DEPTH + 1);
        JsonParseException e = assertThrows(JsonParseException.class, () -> JsonParser.parse(deep));
        assertEquals(JsonParser.MAX_DEPTH, e.offset());
        String hostile = "{\"a\":".repeat(100_000);
        assertThrows(JsonParseException.class, () -> JsonParser.parse(hostile)); // not a StackOverflowError
    }

    @Test
    void roundTripsWhatTheWriterWrites() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "quote \" backslash \\ newline \n tab \t ctl \u0001 emoji 😀");
        m.put("n", 42L);
        m.put("d", -1.5);
        m.put("l", Arrays.asList(true, null, "x"));
        assertEquals(m, JsonParser.parse(Json.write(m)));
    }

    /** Random bytes, and valid JSON with random damage: only the parser's own exception may come out. */
    @Test
    void fuzzOnlyEverThrowsTheParsersException() {
        SplittableRandom random = new SplittableRandom(20240611);
        byte[] seed = "{\"a\": [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\", {\"b\": null, \"c\": [true, false]}], \"d\": \"\\n\"}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] alphabet = "{}[]\",:\\u0123456789.eE+-tfnrals \t\n".getBytes(StandardCharsets.US_ASCII);
        int parsed = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] input;
            if (i % 2 == 0) {
                input = new byte[random.nextInt(24)];
                for (int j = 0; j < input.length; j++) {
                    input[j] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
                }
            } else {
                input = seed.clone();
                for (int k = random.nextInt(1, 4); k > 0; k--) {
                    input[random.nextInt(input.length)] = random.nextInt(3) == 0 ? (byte) random.nextInt(256)
                            : alphabet[random.nextInt(alphabet.length)];
                }
            }
            try {
                JsonParser.parse(input);
                parsed++;
            } catch (JsonParseException expected) {
                assertTrue(expected.offset() >= 0 && expected.offset() <= input.length, expected.getMessage());
            }
        }
        assertTrue(parsed > 0, "some damaged inputs are still valid JSON");
    }

    @Test
    void pathsIntoAStreamChunk() {
        Object chunk = JsonParser.parse("{\"id\":\"c1\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,"
                + "\"text\":\"a\\\"b\\n\\u00e9\\\\\",\"finish_reason\":null}],\"usage\":{\"completion_tokens\":7}}");
        assertEquals("a\"b\né\\", JsonParser.at(chunk, "choices", 0, "text"));
        assertNull(JsonParser.at(chunk, "choices", 0, "finish_reason"));
        assertEquals(7L, JsonParser.at(chunk, "usage", "completion_tokens"));
        assertNull(JsonParser.at(chunk, "choices", 1, "text"));
        assertNull(JsonParser.at(chunk, "choices", -1));
        assertNull(JsonParser.at(chunk, "id", "x"));
        assertEquals(chunk, JsonParser.at(chunk));
    }
}
