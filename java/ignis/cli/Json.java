package ignis.cli;

import java.util.Collection;
import java.util.Map;

/** Serializes maps, lists, strings, numbers, booleans and int/float arrays as JSON text. */
public final class Json {
    private Json() {
    }

    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        append(sb, value);
        return sb.toString();
    }

    private static void append(StringBuilder sb, Object v) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> appendString(sb, s);
            case Boolean b -> sb.append(b);
            case Double d -> appendNumber(sb, d);
            case Float f -> appendNumber(sb, f);
            case Number n -> sb.append(n);
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(first ? "" : ",");
                    first = false;
                    appendString(sb, String.valueOf(e.getKey()));
                    sb.append(':');
                    append(sb, e.getValue());
                }
                sb.append('}');
            }
            case Collection<?> c -> {
                sb.append('[');
                boolean first = true;
                for (Object o : c) {
                    sb.append(first ? "" : ",");
                    first = false;
                    append(sb, o);
                }
                sb.append(']');
            }
            case int[] a -> append(sb, java.util.Arrays.stream(a).boxed().toList());
            case long[] a -> append(sb, java.util.Arrays.stream(a).boxed().toList());
            case double[] a -> append(sb, java.util.Arrays.stream(a).boxed().toList());
            default -> appendString(sb, v.toString());
        }
    }

    private static void appendNumber(StringBuilder sb, double d) {
        if (Double.isFinite(d)) {
            sb.append(d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d));
        } else {
            sb.append("null");
        }
    }

    private static void appendString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        sb.append('"');
    }
}
