package ignis.gguf;

import java.lang.reflect.Array;
import java.util.Arrays;

/**
 * One metadata value as stored. Scalars are boxed ({@code Byte} for UINT8/INT8, {@code Short},
 * {@code Integer}, {@code Long}, {@code Float}, {@code Double}, {@code Boolean}, {@code String}).
 * Arrays are primitive arrays of the same widths ({@code byte[]}, {@code short[]}, {@code int[]},
 * {@code long[]}, {@code float[]}, {@code double[]}, {@code boolean[]}, {@code String[]}), or
 * {@code GGUFValue[]} of array values for arrays of arrays. Unsigned types keep their bits;
 * {@link #asLong()} reads them unsigned. The constructor rejects a value whose Java type does
 * not match {@code type}, so every GGUFValue can be written.
 */
public record GGUFValue(GGUFValueType type, GGUFValueType elementType, Object value) {

    public GGUFValue {
        if (type == null || value == null) {
            throw new IllegalArgumentException("GGUFValue needs a type and a value");
        }
        if (type == GGUFValueType.ARRAY) {
            checkArray(elementType, value);
        } else if (elementType != null || !type.boxedType.isInstance(value)) {
            throw new IllegalArgumentException("a " + type + " value must be a " + type.boxedType.getSimpleName()
                    + ", got " + value.getClass().getSimpleName() + (elementType != null ? " with an element type" : ""));
        }
    }

    private static void checkArray(GGUFValueType elementType, Object value) {
        if (elementType == null || value.getClass() != elementType.javaType.arrayType()) {
            throw new IllegalArgumentException("an array of " + elementType + " must be a "
                    + (elementType == null ? "typed array" : elementType.javaType.arrayType().getSimpleName())
                    + ", got " + value.getClass().getSimpleName());
        }
        if (value instanceof Object[] elements) {
            for (Object e : elements) {
                if (e == null || e instanceof GGUFValue v && v.type != GGUFValueType.ARRAY) {
                    throw new IllegalArgumentException("an array of " + elementType + " holds " + (e == null ? "null" : e));
                }
            }
        }
    }

    public static GGUFValue of(String s) {
        return new GGUFValue(GGUFValueType.STRING, null, s);
    }

    /** A scalar of the given type; {@code value} must be of its {@link GGUFValueType#boxedType}. */
    public static GGUFValue scalar(GGUFValueType type, Object value) {
        return new GGUFValue(type, null, value);
    }

    public static GGUFValue ofUInt32(int v) {
        return new GGUFValue(GGUFValueType.UINT32, null, v);
    }

    public static GGUFValue ofInt32(int v) {
        return new GGUFValue(GGUFValueType.INT32, null, v);
    }

    public static GGUFValue ofUInt64(long v) {
        return new GGUFValue(GGUFValueType.UINT64, null, v);
    }

    public static GGUFValue ofFloat32(float v) {
        return new GGUFValue(GGUFValueType.FLOAT32, null, v);
    }

    public static GGUFValue ofBool(boolean v) {
        return new GGUFValue(GGUFValueType.BOOL, null, v);
    }

    public static GGUFValue ofArray(GGUFValueType elementType, Object array) {
        return new GGUFValue(GGUFValueType.ARRAY, elementType, array);
    }

    /** Integer value widened, unsigned types read as unsigned; null when not an integer. */
    public Long asLong() {
        return switch (type) {
            case UINT8 -> (long) Byte.toUnsignedInt((Byte) value);
            case INT8 -> (long) (Byte) value;
            case UINT16 -> (long) Short.toUnsignedInt((Short) value);
            case INT16 -> (long) (Short) value;
            case UINT32 -> Integer.toUnsignedLong((Integer) value);
            case INT32 -> (long) (Integer) value;
            case UINT64, INT64 -> (Long) value;
            default -> null;
        };
    }

    /** Array length, or -1 for a scalar. */
    public int arrayLength() {
        return type == GGUFValueType.ARRAY ? Array.getLength(value) : -1;
    }

    @Override
    public String toString() {
        if (type != GGUFValueType.ARRAY) {
            return type == GGUFValueType.STRING ? '"' + (String) value + '"' : String.valueOf(asLong() != null ? asLong() : value);
        }
        int n = arrayLength();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, 8); i++) {
            sb.append(i > 0 ? ", " : "").append(elementToString(i));
        }
        return sb.append(n > 8 ? ", ... (" + n + " " + elementType + ")]" : "]").toString();
    }

    private String elementToString(int i) {
        Object e = Array.get(value, i);
        return e instanceof String s ? '"' + s + '"' : String.valueOf(e);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GGUFValue v && type == v.type && elementType == v.elementType
                && Arrays.deepEquals(new Object[] {value}, new Object[] {v.value});
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(new Object[] {type, elementType, value});
    }
}
