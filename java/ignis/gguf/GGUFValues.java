package ignis.gguf;

import java.lang.reflect.Array;

/**
 * The wire format of typed metadata values, both directions: decoding from a {@link GGUFCursor}
 * (the reader) and encoding into a {@link GGUFEncoder} (the writer). A value is its u32 type id
 * and then its body; an array body is the element type id, a u64 length and the elements, where
 * an element that is itself an array is written as an array body.
 */
final class GGUFValues {
    /** Arrays of arrays deeper than this are rejected rather than recursed into. */
    static final int MAX_NESTING = 8;

    private GGUFValues() {
    }

    static GGUFValue read(GGUFCursor in, String field) {
        GGUFValueType type = readType(in, field + " type");
        return readBody(in, type, field, 0);
    }

    /** Encodes {@code value}; {@code key} names it in errors. */
    static void write(GGUFEncoder out, GGUFValue value, String key) {
        out.u32(value.type().id);
        writeBody(out, value, key, 0);
    }

    private static GGUFValueType readType(GGUFCursor in, String field) {
        int id = in.u32(field);
        GGUFValueType type = GGUFValueType.byId(id);
        if (type == null) {
            throw in.error(field, "unknown value type id " + Integer.toUnsignedString(id));
        }
        return type;
    }

    private static GGUFValue readBody(GGUFCursor in, GGUFValueType type, String field, int depth) {
        if (type != GGUFValueType.ARRAY) {
            return new GGUFValue(type, null, readScalar(in, type, field));
        }
        if (depth >= MAX_NESTING) {
            throw in.error(field, "arrays nested deeper than " + MAX_NESTING);
        }
        GGUFValueType elementType = readType(in, field + " element type");
        int n = in.count(field + " array length", elementType.minEncodedSize());
        Object array = Array.newInstance(elementType.javaType, n);
        boolean nameEach = elementType == GGUFValueType.STRING || elementType == GGUFValueType.ARRAY;
        for (int i = 0; i < n; i++) {
            String elementField = nameEach ? field + "[" + i + "]" : field;
            Array.set(array, i, elementType == GGUFValueType.ARRAY
                    ? readBody(in, GGUFValueType.ARRAY, elementField, depth + 1)
                    : readScalar(in, elementType, elementField));
        }
        return GGUFValue.ofArray(elementType, array);
    }

    private static void writeBody(GGUFEncoder out, GGUFValue value, String key, int depth) {
        if (value.type() != GGUFValueType.ARRAY) {
            writeScalar(out, value.type(), value.value());
            return;
        }
        if (depth >= MAX_NESTING) {
            throw new GGUFException("metadata '" + key + "': arrays nested deeper than " + MAX_NESTING);
        }
        out.u32(value.elementType().id);
        int n = Array.getLength(value.value());
        out.u64(n);
        for (int i = 0; i < n; i++) {
            Object element = Array.get(value.value(), i);
            if (element instanceof GGUFValue nested) {
                writeBody(out, nested, key, depth + 1);
            } else {
                writeScalar(out, value.elementType(), element);
            }
        }
    }

    private static Object readScalar(GGUFCursor in, GGUFValueType type, String field) {
        return switch (type) {
            case UINT8, INT8 -> in.u8(field);
            case UINT16, INT16 -> in.u16(field);
            case UINT32, INT32 -> in.u32(field);
            case UINT64, INT64 -> in.u64(field);
            case FLOAT32 -> Float.intBitsToFloat(in.u32(field));
            case FLOAT64 -> Double.longBitsToDouble(in.u64(field));
            case BOOL -> readBool(in, field);
            case STRING -> in.string(field);
            case ARRAY -> throw new IllegalStateException("arrays are read by readBody");
        };
    }

    private static void writeScalar(GGUFEncoder out, GGUFValueType type, Object v) {
        switch (type) {
            case UINT8, INT8 -> out.u8((Byte) v);
            case UINT16, INT16 -> out.u16((Short) v);
            case UINT32, INT32 -> out.u32((Integer) v);
            case UINT64, INT64 -> out.u64((Long) v);
            case FLOAT32 -> out.u32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits((Double) v));
            case BOOL -> out.u8((Boolean) v ? (byte) 1 : (byte) 0);
            case STRING -> out.string((String) v);
            case ARRAY -> throw new IllegalStateException("arrays are written by writeBody");
        }
    }

    private static boolean readBool(GGUFCursor in, String field) {
        byte b = in.u8(field);
        if (b != 0 && b != 1) {
            throw in.error(field, "bool must be 0 or 1, got " + b);
        }
        return b == 1;
    }
}
