package ignis.gguf;

/**
 * Metadata value types with their GGUF ids; {@code size} is the encoded size of a scalar (0 when
 * variable). {@code javaType} is the Java element type of an array of this type (see
 * {@link GGUFValue}) and {@code boxedType} the class of a scalar.
 */
public enum GGUFValueType {
    UINT8(0, 1, byte.class, Byte.class),
    INT8(1, 1, byte.class, Byte.class),
    UINT16(2, 2, short.class, Short.class),
    INT16(3, 2, short.class, Short.class),
    UINT32(4, 4, int.class, Integer.class),
    INT32(5, 4, int.class, Integer.class),
    FLOAT32(6, 4, float.class, Float.class),
    BOOL(7, 1, boolean.class, Boolean.class),
    STRING(8, 0, String.class, String.class),
    /** Arrays of arrays hold {@link GGUFValue} elements, each itself an array. */
    ARRAY(9, 0, GGUFValue.class, GGUFValue.class),
    UINT64(10, 8, long.class, Long.class),
    INT64(11, 8, long.class, Long.class),
    FLOAT64(12, 8, double.class, Double.class);

    public final int id;
    public final int size;
    public final Class<?> javaType;
    public final Class<?> boxedType;

    GGUFValueType(int id, int size, Class<?> javaType, Class<?> boxedType) {
        this.id = id;
        this.size = size;
        this.javaType = javaType;
        this.boxedType = boxedType;
    }

    /** The type with this id, or null. */
    public static GGUFValueType byId(int id) {
        for (GGUFValueType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** The fewest bytes one element of an array of this type takes in a file. */
    int minEncodedSize() {
        return switch (this) {
            case STRING -> 8; // the u64 length
            case ARRAY -> 12; // element type u32 + length u64
            default -> size;
        };
    }
}
