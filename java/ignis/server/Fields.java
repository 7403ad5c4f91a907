package ignis.server;

import ignis.cli.Json;
import java.util.List;
import java.util.Map;

/**
 * Typed reads of a request's JSON object. Unknown keys are never looked at (clients send extras);
 * a known key holding the wrong type or an out-of-range value is a 400 naming the key and the value
 * it got. A JSON null counts as absent, as OpenAI's clients send {@code "stop": null} and the like.
 */
final class Fields {
    private final Map<?, ?> map;

    private Fields(Map<?, ?> map) {
        this.map = map;
    }

    /** The request body, which must be a JSON object. */
    static Fields of(Object body) {
        if (!(body instanceof Map<?, ?> m)) {
            throw ApiException.badRequest(null, "the request body must be a JSON object, got " + show(body));
        }
        return new Fields(m);
    }

    boolean has(String key) {
        return map.get(key) != null;
    }

    Object raw(String key) {
        return map.get(key);
    }

    /** An integer in {@code [min, max]}, or null when absent; {@code range} reads like ">= 0" or "from 1 to 16". */
    Long integer(String key, long min, long max, String range) {
        Object v = map.get(key);
        if (v == null) {
            return null;
        }
        Long n = asInteger(v);
        if (n == null || n < min || n > max) {
            throw wrong(key, "an integer" + (range.isEmpty() ? "" : " " + range), v);
        }
        return n;
    }

    /** A finite number satisfying {@code ok}, or null when absent; {@code range} reads like "in [0, 1]". */
    Double number(String key, java.util.function.DoublePredicate ok, String range) {
        Object v = map.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number num) || !Double.isFinite(num.doubleValue()) || !ok.test(num.doubleValue())) {
            throw wrong(key, "a number" + (range.isEmpty() ? "" : " " + range), v);
        }
        return num.doubleValue();
    }

    Boolean bool(String key) {
        Object v = map.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Boolean b)) {
            throw wrong(key, "true or false", v);
        }
        return b;
    }

    String string(String key) {
        Object v = map.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw wrong(key, "a string", v);
        }
        return s;
    }

    /** A nested object, or null when absent. */
    Fields object(String key) {
        Object v = map.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw wrong(key, "an object", v);
        }
        return new Fields(m);
    }

    /** The integral value of a JSON number (a Long, or a Double with no fraction such as 16.0 or 1e3), else null. */
    static Long asInteger(Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p53) {
            return d.longValue();
        }
        return null;
    }

    /** {@code "key" must be EXPECTED, got VALUE}: the 400 for a value of the wrong type or range. */
    static ApiException wrong(String key, String expected, Object got) {
        return ApiException.badRequest(paramOf(key), "\"" + key + "\" must be " + expected + ", got " + show(got));
    }

    /** The top-level key an error is about: {@code messages[2].role} belongs to {@code messages}. */
    static String paramOf(String key) {
        int cut = key.length();
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) == '[' || key.charAt(i) == '.') {
                cut = i;
                break;
            }
        }
        return key.substring(0, cut);
    }

    /** A value as JSON, cut short if long: what an error message shows the client it sent. */
    static String show(Object v) {
        String s = v instanceof List<?> l && l.size() > 8 ? "an array of " + l.size() + " elements" : Json.write(v);
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
