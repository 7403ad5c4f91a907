package ignis.gguf;

/** Decoding of typed metadata values (the reader's half; {@link GGUFWriter} holds the encoding half). */
final class GGUFValues {
    /** Arrays of arrays deeper than this are rejected rather than recursed into. */
    static final int MAX_NESTING = 8;

    private GGUFValues() {
    }

    static GGUFValue read(GGUFCursor in, String field) {
        GGUFValueType type = readType(in, field + " type");
        return readOfType(in, type, field, 0);
    }

    private static GGUFValueType readType(GGUFCursor in, String field) {
        int id = in.u32(field);
        GGUFValueType type = GGUFValueType.byId(id);
        if (type == null) {
            throw in.error(field, "unknown value type id " + Integer.toUnsignedString(id));
        }
        return type;
    }

    private static GGUFValue readOfType(GGUFCursor in, GGUFValueType type, String field, int depth) {
        if (type == GGUFValueType.ARRAY) {
            if (depth >= MAX_NESTING) {
                throw in.error(field, "arrays nested deeper than " + MAX_NESTING);
            }
            GGUFValueType elementType = readType(in, field + " element type");
            int minBytes = elementType == GGUFValueType.STRING ? 8 : elementType == GGUFValueType.ARRAY ? 12 : elementType.size;
            int n = in.count(field + " array length", minBytes);
            return GGUFValue.ofArray(elementType, readArray(in, elementType, n, field, depth));
        }
        return new GGUFValue(type, null, readScalar(in, type, field));
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
            case ARRAY -> throw new IllegalStateException("arrays are read by readArray");
        };
    }

    private static boolean readBool(GGUFCursor in, String field) {
        byte b = in.u8(field);
        if (b != 0 && b != 1) {
            throw in.error(field, "bool must be 0 or 1, got " + b);
        }
        return b == 1;
    }

    private static Object readArray(GGUFCursor in, GGUFValueType type, int n, String field, int depth) {
        switch (type) {
            case UINT8, INT8 -> {
                byte[] a = new byte[n];
                for (int i = 0; i < n; i++) a[i] = in.u8(field);
                return a;
            }
            case UINT16, INT16 -> {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) a[i] = in.u16(field);
                return a;
            }
            case UINT32, INT32 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = in.u32(field);
                return a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) a[i] = in.u64(field);
                return a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = Float.intBitsToFloat(in.u32(field));
                return a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) a[i] = Double.longBitsToDouble(in.u64(field));
                return a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) a[i] = readBool(in, field);
                return a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) a[i] = in.string(field + "[" + i + "]");
                return a;
            }
            case ARRAY -> {
                GGUFValue[] a = new GGUFValue[n];
                for (int i = 0; i < n; i++) a[i] = readOfType(in, GGUFValueType.ARRAY, field + "[" + i + "]", depth + 1);
                return a;
            }
        }
        throw new IllegalStateException(type.toString());
    }
}
