package ignis.server;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 parser for request bodies. Objects become {@link LinkedHashMap}s (key order
 * kept, duplicate keys refused so a request cannot say two things), arrays {@link List}s, integral
 * numbers without fraction or exponent {@link Long}s (wider ones {@link Double}s), other numbers
 * {@link Double}s, and true/false/null {@link Boolean}s and null. Anything else, trailing text
 * included, is a {@link JsonParseException} naming what was expected and where. Nesting is
 * limited so a hostile body cannot overflow the stack; its size is limited by the server.
 */
public final class JsonParser {
    /** Deepest nesting of arrays and objects accepted. */
    public static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;
    private int depth;

    private JsonParser(String text) {
        this.text = text;
    }

    /** The value of {@code text}, which must hold exactly one JSON value (surrounding whitespace allowed). */
    public static Object parse(String text) {
        JsonParser p = new JsonParser(text);
        p.skipWhitespace();
        Object value = p.value();
        p.skipWhitespace();
        if (p.pos < text.length()) {
            throw p.error("the end of the input after the JSON value");
        }
        return value;
    }

    /**
     * Follows a path of map keys (String) and list indexes (Integer) from {@code root}; null where
     * any step is missing or of another type, so callers can probe optional fields in one call.
     */
    public static Object at(Object root, Object... path) {
        Object cur = root;
        for (Object step : path) {
            if (step instanceof String key && cur instanceof Map<?, ?> m) {
                cur = m.get(key);
            } else if (step instanceof Integer i && cur instanceof List<?> l && i >= 0 && i < l.size()) {
                cur = l.get(i);
            } else {
                return null;
            }
        }
        return cur;
    }

    /** {@link #parse(String)} of UTF-8 bytes; malformed UTF-8 is an error at its byte offset. */
    public static Object parse(byte[] utf8) {
        return parse(decodeUtf8(utf8));
    }

    private static String decodeUtf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isUnderflow()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            throw new JsonParseException("expected valid UTF-8 text, found a malformed byte sequence at byte offset " + in.position(),
                    in.position());
        }
        if (!r.isUnderflow()) {
            // Cannot happen: UTF-8 never gives more chars than bytes.
            try {
                r.throwException();
            } catch (CharacterCodingException e) {
                throw new JsonParseException("expected valid UTF-8 text: " + e, in.position());
            }
        }
        return out.flip().toString();
    }

    private Object value() {
        if (pos >= text.length()) {
            throw error("a JSON value");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("a JSON value (object, array, string, number, true, false or null)");
            }
        };
    }

    private Map<String, Object> object() {
        enter();
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            depth--;
            return map;
        }
        while (true) {
            if (peek() != '"') {
                throw error(map.isEmpty() ? "a string key or '}'" : "a string key");
            }
            int keyStart = pos;
            String key = string();
            skipWhitespace();
            expect(':', "':' after the object key");
            skipWhitespace();
            Object v = value();
            if (map.containsKey(key)) {
                throw new JsonParseException("expected unique object keys, found a second \"" + key + "\" at offset " + keyStart,
                        keyStart);
            }
            map.put(key, v);
            skipWhitespace();
            if (peek() == ',') {
                pos++;
                skipWhitespace();
            } else if (peek() == '}') {
                pos++;
                depth--;
                return map;
            } else {
                throw error("',' or '}' after an object member");
            }
        }
    }

    private List<Object> array() {
        enter();
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            depth--;
            return list;
        }
        while (true) {
            list.add(value());
            skipWhitespace();
            if (peek() == ',') {
                pos++;
                skipWhitespace();
            } else if (peek() == ']') {
                pos++;
                depth--;
                return list;
            } else {
                throw error("',' or ']' after an array element");
            }
        }
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw new JsonParseException("expected at most " + MAX_DEPTH + " levels of nested arrays and objects, found deeper nesting at offset "
                    + pos, pos);
        }
    }

    private String string() {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("'\"' to close the string");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c == '\\') {
                escape(sb);
            } else if (c < 0x20) {
                throw error("a string character (control characters must be escaped)");
            } else {
                sb.append(c);
                pos++;
            }
        }
    }

    private void escape(StringBuilder sb) {
        pos++; // backslash
        if (pos >= text.length()) {
            throw error("an escape character after '\\'");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '"', '\\', '/' -> sb.append(c);
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'u' -> {
                int start = pos - 1;
                pos++;
                char unit = hex4();
                if (Character.isHighSurrogate(unit)) {
                    // A character outside the BMP is escaped as a surrogate pair: both halves must be there.
                    if (!text.startsWith("\\u", pos)) {
                        throw error("a \\u escape of a low surrogate to pair with the high surrogate at offset " + start);
                    }
                    pos += 2;
                    int lowStart = pos;
                    char low = hex4();
                    if (!Character.isLowSurrogate(low)) {
                        pos = lowStart;
                        throw error("a low surrogate (DC00-DFFF) to pair with the high surrogate at offset " + start);
                    }
                    sb.append(unit).append(low);
                } else if (Character.isLowSurrogate(unit)) {
                    pos = start;
                    throw error("a \\u escape other than a lone low surrogate (DC00-DFFF)");
                } else {
                    sb.append(unit);
                }
                return;
            }
            default -> throw error("one of the escapes \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
        }
        pos++;
    }

    private char hex4() {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = hexValue(peek());
            if (d < 0) {
                throw error("4 hex digits after \\u");
            }
            v = v * 16 + d;
            pos++;
        }
        return (char) v;
    }

    private Object number() {
        int start = pos;
        boolean integral = true;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            digits();
        } else {
            throw error("a digit");
        }
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!isDigit(peek())) {
                throw error("a digit after the decimal point");
            }
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("a digit in the exponent");
            }
            digits();
        }
        String literal = text.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException tooWide) {
                // beyond a long: kept as the nearest double
            }
        }
        double d = Double.parseDouble(literal);
        if (Double.isInfinite(d)) {
            throw new JsonParseException("expected a number within the range of a double, found " + abbreviate(literal) + " at offset " + start,
                    start);
        }
        return d;
    }

    private static int hexValue(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private void digits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("a JSON value (object, array, string, number, true, false or null)");
        }
        pos += word.length();
        return value;
    }

    private void expect(char c, String what) {
        if (peek() != c) {
            throw error(what);
        }
        pos++;
    }

    /** The character at {@link #pos}, or -1 at the end. */
    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private JsonParseException error(String expected) {
        return new JsonParseException("expected " + expected + " at offset " + pos + ", found " + describe(peek()), pos);
    }

    private static String describe(int c) {
        if (c < 0) {
            return "the end of the input";
        }
        if (c >= 0x20 && c < 0x7f) {
            return "'" + (char) c + "'";
        }
        return String.format("U+%04X", c);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
