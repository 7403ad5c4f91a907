package ignis.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.TestData;
import ignis.tensor.GGMLType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GGUFWriterTest {
    @TempDir
    Path dir;

    private final Random random = new Random(20240611);

    @Test
    void headerBytesFollowTheSpec() throws IOException {
        Path out = dir.resolve("spec.gguf");
        new GGUFWriter().put("k", GGUFValue.ofUInt32(0x01020304))
                .addTensor("t", GGMLType.F32, new long[] {2}, seg -> {
                    seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, 1.5f);
                    seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4, -2f);
                })
                .write(out);
        // Built by hand from the GGUF specification: header, one KV, one tensor info, padding, data.
        ByteBuffer expected = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        expected.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(1).putLong(1);
        expected.putLong(1).put((byte) 'k').putInt(4).putInt(0x01020304);
        expected.putLong(1).put((byte) 't').putInt(1).putLong(2).putInt(0).putLong(0);
        assertEquals(24 + 17 + 33, expected.position());
        expected.position(96).putFloat(1.5f).putFloat(-2f); // data section aligned to 32
        byte[] actual = Files.readAllBytes(out);
        assertArrayEquals(expected.array(), actual, "74 header bytes padded to 96, then 8 data bytes padded to 32");
    }

    @Test
    void everyScalarTypeRoundTrips() {
        Map<String, GGUFValue> values = new LinkedHashMap<>();
        values.put("u8", GGUFValue.scalar(GGUFValueType.UINT8, (byte) 0xFE));
        values.put("i8", GGUFValue.scalar(GGUFValueType.INT8, (byte) -128));
        values.put("u16", GGUFValue.scalar(GGUFValueType.UINT16, (short) 0xFFFF));
        values.put("i16", GGUFValue.scalar(GGUFValueType.INT16, (short) -12345));
        values.put("u32", GGUFValue.ofUInt32(0xFFFFFFFE));
        values.put("i32", GGUFValue.ofInt32(Integer.MIN_VALUE));
        values.put("u64", GGUFValue.ofUInt64(-1L));
        values.put("i64", GGUFValue.scalar(GGUFValueType.INT64, Long.MIN_VALUE + 7));
        values.put("f32", GGUFValue.ofFloat32(-0.0f));
        values.put("f32.nan", GGUFValue.ofFloat32(Float.NaN));
        values.put("f32.small", GGUFValue.ofFloat32(Float.MIN_VALUE));
        values.put("f64", GGUFValue.scalar(GGUFValueType.FLOAT64, Math.PI));
        values.put("f64.inf", GGUFValue.scalar(GGUFValueType.FLOAT64, Double.NEGATIVE_INFINITY));
        values.put("bool.true", GGUFValue.ofBool(true));
        values.put("bool.false", GGUFValue.ofBool(false));
        values.put("string", GGUFValue.of("hello"));
        values.put("string.empty", GGUFValue.of(""));
        values.put("string.unicode", GGUFValue.of("\u2581Gr\u00fc\u00dfe \u65e5\u672c\u8a9e \ud83e\udd99 e\u0301"));
        values.put("schl\u00fcssel.\ud83d\udd11.\u4e2d\u6587", GGUFValue.ofUInt32(7));
        assertEquals(values, roundTrip(values));
    }

    @Test
    void arraysOfEveryTypeRoundTrip() {
        Map<String, GGUFValue> values = new LinkedHashMap<>();
        for (GGUFValueType type : GGUFValueType.values()) {
            if (type == GGUFValueType.ARRAY) {
                continue;
            }
            values.put("array." + type, GGUFValue.ofArray(type, randomArray(type, 1 + random.nextInt(40))));
            values.put("empty." + type, GGUFValue.ofArray(type, randomArray(type, 0)));
        }
        values.put("strings.with.empty", GGUFValue.ofArray(GGUFValueType.STRING, new String[] {"", "a", "", "\u2581\u00e9"}));
        assertEquals(values, roundTrip(values));
    }

    @Test
    void nestedArraysRoundTrip() {
        GGUFValue ints = GGUFValue.ofArray(GGUFValueType.INT32, new int[] {1, -2, 3});
        GGUFValue strings = GGUFValue.ofArray(GGUFValueType.STRING, new String[] {"x", ""});
        GGUFValue empty = GGUFValue.ofArray(GGUFValueType.FLOAT64, new double[0]);
        GGUFValue mixed = GGUFValue.ofArray(GGUFValueType.ARRAY, new GGUFValue[] {ints, strings, empty});
        GGUFValue deeper = GGUFValue.ofArray(GGUFValueType.ARRAY, new GGUFValue[] {mixed, mixed,
                GGUFValue.ofArray(GGUFValueType.ARRAY, new GGUFValue[0])});
        Map<String, GGUFValue> values = new LinkedHashMap<>();
        values.put("nested", mixed);
        values.put("deeper", deeper);
        values.put("deepest.allowed", nest(ints, GGUFValues.MAX_NESTING - 1));
        assertEquals(values, roundTrip(values));
    }

    @Test
    void tensorsOfSeveralTypesAndShapesRoundTrip() throws IOException {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        Map<String, GGMLType> types = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        GGUFWriter writer = new GGUFWriter().put("general.architecture", GGUFValue.of("test"));
        Object[][] specs = {
            {"vector.f32", GGMLType.F32, new long[] {7}},
            {"matrix.f16", GGMLType.F16, new long[] {5, 3}},
            {"q8", GGMLType.Q8_0, new long[] {64, 3}},
            {"q4k.3d", GGMLType.Q4_K, new long[] {256, 2, 2}},
            {"i8.4d", GGMLType.I8, new long[] {3, 2, 1, 2}},
            {"bf16.one", GGMLType.BF16, new long[] {1}},
            {"q6k", GGMLType.Q6_K, new long[] {512, 1}},
        };
        for (Object[] spec : specs) {
            String name = (String) spec[0];
            GGMLType type = (GGMLType) spec[1];
            long[] shape = (long[]) spec[2];
            long elements = 1;
            for (long d : shape) {
                elements *= d;
            }
            byte[] data = new byte[(int) type.bytesFor(elements)];
            random.nextBytes(data);
            bytes.put(name, data);
            types.put(name, type);
            shapes.put(name, shape);
            writer.addTensor(name, type, shape, seg -> {
                assertEquals(data.length, seg.byteSize(), "fill gets exactly the tensor's bytes");
                MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_BYTE, 0, data.length);
            });
        }
        Path out = dir.resolve("tensors.gguf");
        writer.write(out);
        try (GGUFFile file = GGUFFile.open(out)) {
            assertEquals(3, file.version());
            assertEquals(List.copyOf(bytes.keySet()), file.tensorInfos().stream().map(GGUFTensorInfo::name).toList());
            assertEquals(0, file.dataStart() % GGUFFile.DEFAULT_ALIGNMENT);
            for (GGUFTensorInfo info : file.tensorInfos()) {
                assertEquals(types.get(info.name()), info.type());
                assertArrayEquals(shapes.get(info.name()), info.shape());
                assertEquals(0, info.offset() % GGUFFile.DEFAULT_ALIGNMENT, info.name());
                assertArrayEquals(bytes.get(info.name()), file.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE));
            }
            assertTensorsContiguous(file);
        }
    }

    @Test
    void customAlignmentIsHonoured() {
        Path out = dir.resolve("aligned.gguf");
        new GGUFWriter().put("general.alignment", GGUFValue.ofUInt32(256))
                .addTensor("a", GGMLType.F32, new long[] {3}, seg -> seg.fill((byte) 1))
                .addTensor("b", GGMLType.F16, new long[] {5}, seg -> seg.fill((byte) 2))
                .write(out);
        try (GGUFFile file = GGUFFile.open(out)) {
            assertEquals(256, file.alignment());
            assertEquals(0, file.dataStart() % 256);
            assertEquals(256, file.tensorInfos().get(1).offset());
            assertEquals(file.dataStart() + 512, file.path().toFile().length());
            byte[] b = file.tensor("b").data().toArray(ValueLayout.JAVA_BYTE);
            assertEquals(10, b.length);
            for (byte x : b) {
                assertEquals(2, x);
            }
        }
    }

    @Test
    void rewritingTheSharedTinyModelKeepsEverything() throws IOException {
        Path source = TestData.tinyLlamaGguf();
        Path out = dir.resolve("rewritten.gguf");
        try (GGUFFile original = GGUFFile.open(source)) {
            GGUFWriter writer = new GGUFWriter().putAll(original);
            original.tensorInfos().forEach(info -> writer.addTensor(original.tensor(info.name())));
            writer.write(out);
            try (GGUFFile copy = GGUFFile.open(out)) {
                assertEquals(List.copyOf(original.metadata().entrySet()), List.copyOf(copy.metadata().entrySet()));
                assertEquals(original.tensorInfos(), copy.tensorInfos());
                for (GGUFTensorInfo info : original.tensorInfos()) {
                    assertArrayEquals(original.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE),
                            copy.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE), info.name());
                }
            }
        }
        // The fixture was written by llama.cpp's own converter with the same canonical layout.
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(out), "byte-identical to gguf-py's output");
    }

    @Test
    void rewritingReplacesAnExistingFile() throws IOException {
        Path out = dir.resolve("replace.gguf");
        Files.writeString(out, "old contents that are longer than nothing at all");
        new GGUFWriter().put("x", GGUFValue.of("y")).write(out);
        try (GGUFFile file = GGUFFile.open(out)) {
            assertEquals("y", file.getString("x"));
            assertTrue(file.tensorInfos().isEmpty());
        }
    }

    @Test
    void aFailingFillLeavesNoFile() {
        Path out = dir.resolve("failed.gguf");
        GGUFWriter writer = new GGUFWriter().addTensor("t", GGMLType.F32, new long[] {4}, seg -> {
            throw new IllegalStateException("quantizer broke");
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> writer.write(out));
        assertEquals("quantizer broke", e.getMessage());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("failed.gguf.partial")));
    }

    @Test
    void invalidInputIsRejectedWithItsName() {
        GGUFWriter writer = new GGUFWriter().addTensor("dup", GGMLType.F32, new long[] {1}, seg -> { });
        assertMessage(() -> writer.addTensor("dup", GGMLType.F32, new long[] {1}, seg -> { }), "'dup'", "twice");
        assertMessage(() -> writer.addTensor("q", GGMLType.Q8_0, new long[] {33, 2}, seg -> { }), "'q'", "33", "Q8_0", "32");
        assertMessage(() -> writer.addTensor("z", GGMLType.F32, new long[] {4, 0}, seg -> { }), "'z'", "shape");
        assertMessage(() -> writer.addTensor("big", GGMLType.F32, new long[] {1L << 32, 1L << 32}, seg -> { }), "'big'", "shape");
        assertMessage(() -> writer.addTensor("five", GGMLType.F32, new long[] {1, 1, 1, 1, 1}, seg -> { }), "'five'", "dimensions");
        assertMessage(() -> writer.addTensor("n".repeat(64), GGMLType.F32, new long[] {1}, seg -> { }), "64");
        assertMessage(() -> writer.put("general.alignment", GGUFValue.ofUInt32(48)), "general.alignment", "48");
        assertMessage(() -> writer.put("general.alignment", GGUFValue.ofUInt64(32)), "general.alignment", "UINT32");
        GGUFWriter deep = new GGUFWriter().put("too.deep", nest(GGUFValue.ofArray(GGUFValueType.INT8, new byte[1]), GGUFValues.MAX_NESTING));
        assertMessage(() -> deep.write(dir.resolve("deep.gguf")), "too.deep", "nested");
    }

    @Test
    void valuesWithMismatchedJavaTypesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> GGUFValue.scalar(GGUFValueType.UINT32, 5L));
        assertThrows(IllegalArgumentException.class, () -> GGUFValue.ofArray(GGUFValueType.INT32, new long[1]));
        assertThrows(IllegalArgumentException.class, () -> GGUFValue.ofArray(GGUFValueType.STRING, new String[] {"a", null}));
        assertThrows(IllegalArgumentException.class, () -> GGUFValue.ofArray(GGUFValueType.ARRAY,
                new GGUFValue[] {GGUFValue.ofUInt32(1)}));
        assertThrows(IllegalArgumentException.class, () -> new GGUFValue(GGUFValueType.STRING, GGUFValueType.INT8, "x"));
    }

    // ---- helpers

    private Map<String, GGUFValue> roundTrip(Map<String, GGUFValue> values) {
        GGUFWriter writer = new GGUFWriter();
        values.forEach(writer::put);
        Path out = dir.resolve("values-" + random.nextInt(1_000_000) + ".gguf");
        writer.write(out);
        try (GGUFFile file = GGUFFile.open(out)) {
            assertEquals(List.copyOf(values.keySet()), List.copyOf(file.metadata().keySet()), "insertion order kept");
            return new LinkedHashMap<>(file.metadata());
        }
    }

    private static GGUFValue nest(GGUFValue inner, int levels) {
        GGUFValue v = inner;
        for (int i = 0; i < levels; i++) {
            v = GGUFValue.ofArray(GGUFValueType.ARRAY, new GGUFValue[] {v});
        }
        return v;
    }

    private Object randomArray(GGUFValueType type, int n) {
        return switch (type) {
            case UINT8, INT8 -> {
                byte[] a = new byte[n];
                random.nextBytes(a);
                yield a;
            }
            case UINT16, INT16 -> {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) a[i] = (short) random.nextInt();
                yield a;
            }
            case UINT32, INT32 -> random.ints(n).toArray();
            case UINT64, INT64 -> random.longs(n).toArray();
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = Float.intBitsToFloat(random.nextInt());
                yield a;
            }
            case FLOAT64 -> random.doubles(n).map(d -> (d - 0.5) * 1e300).toArray();
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) a[i] = random.nextBoolean();
                yield a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) a[i] = randomString();
                yield a;
            }
            case ARRAY -> throw new IllegalArgumentException();
        };
    }

    private String randomString() {
        int[] alphabet = {'a', 'Z', ' ', '\n', 0x00e9, 0x2581, 0x65e5, 0x1f999, 0};
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            sb.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
        }
        return sb.toString();
    }

    private static void assertTensorsContiguous(GGUFFile file) {
        long expected = 0;
        for (GGUFTensorInfo info : file.tensorInfos()) {
            assertEquals(expected, info.offset(), "llama.cpp needs tensor '" + info.name() + "' right after its predecessor");
            expected = GGUFFile.alignUp(info.offset() + info.byteSize(), file.alignment());
        }
        assertEquals(file.dataStart() + expected, file.path().toFile().length(), "last tensor padded too");
    }

    private static void assertMessage(Runnable action, String... parts) {
        GGUFException e = assertThrows(GGUFException.class, action::run);
        List<String> missing = new ArrayList<>();
        for (String p : parts) {
            if (!e.getMessage().contains(p)) {
                missing.add(p);
            }
        }
        assertTrue(missing.isEmpty(), "message '" + e.getMessage() + "' lacks " + missing);
    }
}
