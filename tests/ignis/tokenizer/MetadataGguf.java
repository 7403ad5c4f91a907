package ignis.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes a GGUF v3 file holding only metadata (no tensors), laid out as the GGUF specification
 * says. Setting a key again replaces its value.
 */
final class MetadataGguf {
    // GGUF value type ids.
    private static final int UINT32 = 4;
    private static final int INT32 = 5;
    private static final int FLOAT32 = 6;
    private static final int BOOL = 7;
    private static final int STRING = 8;
    private static final int ARRAY = 9;

    private final Map<String, Consumer<ByteArrayOutputStream>> entries = new LinkedHashMap<>();

    MetadataGguf string(String key, String value) {
        return entry(key, STRING, out -> writeString(out, value));
    }

    MetadataGguf uint32(String key, int value) {
        return entry(key, UINT32, out -> writeInt(out, value));
    }

    MetadataGguf bool(String key, boolean value) {
        return entry(key, BOOL, out -> out.write(value ? 1 : 0));
    }

    MetadataGguf strings(String key, String... values) {
        return entry(key, ARRAY, out -> {
            writeInt(out, STRING);
            writeLong(out, values.length);
            for (String v : values) {
                writeString(out, v);
            }
        });
    }

    MetadataGguf floats(String key, float... values) {
        return entry(key, ARRAY, out -> {
            writeInt(out, FLOAT32);
            writeLong(out, values.length);
            for (float v : values) {
                writeInt(out, Float.floatToIntBits(v));
            }
        });
    }

    MetadataGguf int32s(String key, int... values) {
        return entry(key, ARRAY, out -> {
            writeInt(out, INT32);
            writeLong(out, values.length);
            for (int v : values) {
                writeInt(out, v);
            }
        });
    }

    private MetadataGguf entry(String key, int type, Consumer<ByteArrayOutputStream> value) {
        entries.put(key, out -> {
            writeString(out, key);
            writeInt(out, type);
            value.accept(out);
        });
        return this;
    }

    Path write(Path file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        writeInt(out, 3); // version
        writeLong(out, 0); // tensor count
        writeLong(out, entries.size());
        entries.values().forEach(e -> e.accept(out));
        return Files.write(file, out.toByteArray());
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        writeLong(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private static void writeLong(ByteArrayOutputStream out, long v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }
}
