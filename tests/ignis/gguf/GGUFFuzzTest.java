package ignis.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ignis.TestData;
import ignis.tensor.GGMLType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feeds the reader truncated, bit-flipped and hand-crafted absurd files. Every outcome must be
 * either a file that opens (and whose tensors can all be read) or a {@link GGUFException} naming
 * the file and the field; never another exception, never a hang.
 */
class GGUFFuzzTest {
    private static final Duration OPEN_LIMIT = Duration.ofSeconds(10);
    /** The fields the reader names, as the first part of the message after the file name. */
    private static final String FIELD = "(magic|version|tensor_count|metadata_kv_count|metadata key #\\d+|metadata key '|metadata '"
            + "|tensor #\\d+ name|tensor '|general\\.alignment)";

    @TempDir
    Path dir;

    private enum Outcome { OPENED, REJECTED }

    // ---- (a) truncation

    @Test
    void truncatingASmallFileAnywhereIsDetected() throws IOException {
        byte[] whole = Files.readAllBytes(writeSmallModel("small.gguf"));
        long neededBytes;
        try (GGUFFile file = GGUFFile.open(dir.resolve("small.gguf"))) {
            neededBytes = dataEnd(file);
        }
        Path cut = dir.resolve("cut.gguf");
        for (int length = 0; length <= whole.length; length++) {
            Files.write(cut, Arrays.copyOf(whole, length));
            Outcome outcome = check(cut, "truncated to " + length);
            // Only the padding after the last tensor may go missing.
            assertEquals(length >= neededBytes ? Outcome.OPENED : Outcome.REJECTED, outcome, "truncated to " + length);
        }
    }

    @Test
    void truncatingTheSharedModelAtEveryBoundaryIsDetected() throws IOException {
        Path source = TestData.tinyLlamaGguf();
        byte[] whole = Files.readAllBytes(source);
        TreeSet<Long> lengths = new TreeSet<>();
        long neededBytes;
        try (GGUFFile file = GGUFFile.open(source)) {
            neededBytes = dataEnd(file);
            long position = 24; // magic, version and the two counts
            for (var entry : file.metadata().entrySet()) {
                lengths.addAll(List.of(position, position + 1, position + 7, position + 8));
                GGUFEncoder encoded = new GGUFEncoder();
                encoded.string(entry.getKey());
                GGUFValues.write(encoded, entry.getValue(), entry.getKey());
                lengths.addAll(List.of(position + encoded.size() - 1, position + encoded.size() - 9));
                position += encoded.size();
            }
            for (GGUFTensorInfo info : file.tensorInfos()) {
                // name length, name, n_dims, each ne, type, offset: the start of each field and one byte into it
                long[] shape = info.shape();
                List<Integer> widths = new ArrayList<>(List.of(8, info.name().getBytes(StandardCharsets.UTF_8).length, 4));
                for (int d = 0; d < shape.length; d++) {
                    widths.add(8);
                }
                widths.addAll(List.of(4, 8));
                for (int width : widths) {
                    lengths.addAll(List.of(position, position + 1));
                    position += width;
                }
            }
            for (long l = position - 1; l <= file.dataStart() + 1; l++) {
                lengths.add(l); // the padding before the data section
            }
            for (GGUFTensorInfo info : file.tensorInfos()) {
                long start = file.dataStart() + info.offset();
                lengths.addAll(List.of(start, start + 1, start + info.byteSize() - 1, start + info.byteSize()));
            }
        }
        for (long l = 0; l < 64; l++) {
            lengths.add(l);
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 50; i++) {
            lengths.add(random.nextLong(whole.length));
        }
        Path cut = dir.resolve("tiny-cut.gguf");
        for (long length : lengths.headSet((long) whole.length, true)) {
            Files.write(cut, Arrays.copyOf(whole, (int) length));
            assertEquals(length >= neededBytes ? Outcome.OPENED : Outcome.REJECTED, check(cut, "truncated to " + length),
                    "truncated to " + length);
        }
    }

    // ---- (b) random byte flips

    @Test
    void flippingBytesOfSmallFilesNeverCrashes() throws IOException {
        byte[] original = Files.readAllBytes(writeSmallModel("flip-source.gguf"));
        int[] outcomes = mutate(original, 2500, 11, original.length, "flip.gguf");
        assertTrue(outcomes[0] > 100 && outcomes[1] > 100, "both outcomes must occur often: " + outcomes[0] + " opened, " + outcomes[1] + " rejected");
    }

    @Test
    void flippingBytesOfTheSharedModelNeverCrashes() throws IOException {
        byte[] original = Files.readAllBytes(TestData.tinyLlamaGguf());
        long headerEnd;
        try (GGUFFile file = GGUFFile.open(TestData.tinyLlamaGguf())) {
            headerEnd = file.dataStart();
        }
        // The parser only ever looks at the header; mutate there (the first 64 KiB and the tensor
        // infos at its end) and sometimes anywhere.
        mutate(original, 200, 13, headerEnd, "tiny-flip.gguf");
    }

    /** Returns {opened, rejected}. */
    private int[] mutate(byte[] original, int mutations, long seed, long hotEnd, String name) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        Path file = dir.resolve(name);
        int[] outcomes = new int[2];
        for (int m = 0; m < mutations; m++) {
            byte[] copy = original.clone();
            StringBuilder what = new StringBuilder("mutation #" + m + " (seed " + seed + "):");
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                int at = pickPosition(random, copy.length, hotEnd);
                byte value = random.nextInt(4) == 0 ? (byte) (copy[at] ^ (1 << random.nextInt(8)))
                        : random.nextBoolean() ? (byte) 0xFF : (byte) random.nextInt(256);
                what.append(" [").append(at).append("]=").append(value);
                copy[at] = value;
            }
            Files.write(file, copy);
            outcomes[check(file, what.toString()).ordinal()]++;
        }
        return outcomes;
    }

    private static int pickPosition(SplittableRandom random, int length, long hotEnd) {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextInt(length);
            case 1 -> random.nextInt(Math.min(length, 65536));
            default -> (int) Math.max(0, hotEnd - 1 - random.nextInt((int) Math.min(hotEnd, 2048)));
        };
    }

    // ---- (c) crafted absurdities

    @Test
    void absurdCountsAndLengthsAreRejected() {
        expectRejected("tensor_count = 2^63", header(3, 1L << 63, 0), "tensor_count");
        expectRejected("tensor_count = 2^62", header(3, 1L << 62, 0), "tensor_count");
        expectRejected("metadata_kv_count = -1", header(3, 0, -1), "metadata_kv_count");
        expectRejected("key length 2^62", metadataFile(1, e -> e.u64(1L << 62)), "metadata key #0 (string length)");
        expectRejected("string length 2^62", metadataFile(1, e -> {
            e.string("k");
            e.u32(GGUFValueType.STRING.id);
            e.u64(1L << 62);
        }), "metadata 'k'", "string length");
        expectRejected("array length 2^62", metadataFile(1, e -> {
            e.string("arr");
            e.u32(GGUFValueType.ARRAY.id);
            e.u32(GGUFValueType.UINT8.id);
            e.u64(1L << 62);
        }), "metadata 'arr'", "array length");
        expectRejected("array of 2^31 strings", metadataFile(1, e -> {
            e.string("arr");
            e.u32(GGUFValueType.ARRAY.id);
            e.u32(GGUFValueType.STRING.id);
            e.u64(1L << 31);
        }), "metadata 'arr'", "array length");
        expectRejected("arrays nested 100 deep", metadataFile(1, e -> {
            e.string("deep");
            e.u32(GGUFValueType.ARRAY.id);
            for (int i = 0; i < 100; i++) {
                e.u32(GGUFValueType.ARRAY.id);
                e.u64(1);
            }
        }), "metadata 'deep'", "nested");
    }

    @Test
    void impossibleTensorShapesAreRejected() {
        expectRejected("n_dims = 100", tensorFile(100, new long[] {4}, GGMLType.F32.id, 0), "tensor 't' n_dims");
        expectRejected("n_dims = 0", tensorFile(0, new long[0], GGMLType.F32.id, 0), "tensor 't' n_dims");
        expectRejected("n_dims = -1", tensorFile(-1, new long[0], GGMLType.F32.id, 0), "tensor 't' n_dims");
        expectRejected("dims overflow", tensorFile(3, new long[] {1L << 32, 1L << 32, 1L << 32}, GGMLType.F32.id, 0),
                "tensor 't' ne[");
        expectRejected("product just past 2^63", tensorFile(2, new long[] {3, 3074457345618258603L}, GGMLType.F32.id, 0),
                "tensor 't' ne[1]");
        expectRejected("dim 0", tensorFile(2, new long[] {4, 0}, GGMLType.F32.id, 0), "tensor 't' ne[1]");
        expectRejected("dim 2^63", tensorFile(1, new long[] {1L << 63}, GGMLType.F32.id, 0), "tensor 't' ne[0]");
        expectRejected("row not a whole block", tensorFile(1, new long[] {100}, GGMLType.Q4_K.id, 0), "tensor 't' ne[0]",
                "Q4_K");
    }

    @Test
    void badTensorTypesAndOffsetsAreRejected() {
        expectRejected("removed type id 4", tensorFile(1, new long[] {4}, 4, 0), "tensor 't' type", "4");
        expectRejected("type id 39", tensorFile(1, new long[] {4}, 39, 0), "tensor 't' type", "39");
        expectRejected("type id -1", tensorFile(1, new long[] {4}, -1, 0), "tensor 't' type", "4294967295");
        expectRejected("offset past the end", tensorFile(1, new long[] {4}, GGMLType.F32.id, 4096), "tensor 't'", "past the end");
        expectRejected("offset 2^63", tensorFile(1, new long[] {4}, GGMLType.F32.id, 1L << 63), "tensor 't' offset");
        expectRejected("offset + size overflows", tensorFile(1, new long[] {8}, GGMLType.F32.id, Long.MAX_VALUE - 31),
                "tensor 't'");
        expectRejected("unaligned offset", tensorFile(1, new long[] {4}, GGMLType.F32.id, 4), "tensor 't'", "alignment");
        expectRejected("duplicate tensor", bytes(header(3, 2, 0), e -> {
            for (int i = 0; i < 2; i++) {
                tensorInfo(e, "t", 1, new long[] {4}, GGMLType.F32.id, 0);
            }
        }), "tensor 't'", "twice");
    }

    @Test
    void badMetadataIsRejected() {
        expectRejected("value type 13", kv("k", e -> e.u32(13)), "metadata 'k' type", "13");
        expectRejected("value type -1", metadataFile(1, e -> {
            e.string("k");
            e.u32(-1);
        }), "metadata 'k' type", "4294967295");
        expectRejected("array element type 99", metadataFile(1, e -> {
            e.string("k");
            e.u32(GGUFValueType.ARRAY.id);
            e.u32(99);
            e.u64(0);
        }), "metadata 'k' element type", "99");
        expectRejected("bool 2", metadataFile(1, e -> {
            e.string("b");
            e.u32(GGUFValueType.BOOL.id);
            e.u8((byte) 2);
        }), "metadata 'b'", "bool");
        expectRejected("duplicate key", metadataFile(2, e -> {
            for (int i = 0; i < 2; i++) {
                e.string("dup");
                e.u32(GGUFValueType.UINT32.id);
                e.u32(i);
            }
        }), "metadata key 'dup'", "twice");
        for (GGUFValue alignment : List.of(GGUFValue.ofUInt32(0), GGUFValue.ofUInt32(48), GGUFValue.ofUInt32(1 << 31),
                GGUFValue.ofInt32(-32), GGUFValue.of("32"), GGUFValue.ofFloat32(32f))) {
            expectRejected("alignment " + alignment, metadataFile(1, e -> {
                e.string("general.alignment");
                GGUFValues.write(e, alignment, "general.alignment");
            }), "general.alignment");
        }
    }

    @Test
    void badHeadersAreRejected() {
        expectRejected("empty file", new byte[0], "magic");
        expectRejected("three bytes", new byte[] {'G', 'G', 'U'}, "magic");
        expectRejected("not GGUF", "GGML and more bytes here".getBytes(), "magic");
        expectRejected("version 1", header(1, 0, 0), "version", "1");
        expectRejected("version 0", header(0, 0, 0), "version", "0");
        expectRejected("version 4", header(4, 0, 0), "version", "4");
        byte[] bigEndian = header(3, 0, 0);
        for (int i = 4; i < 24; i += (i == 4 ? 4 : 8)) {
            int width = i == 4 ? 4 : 8;
            for (int a = i, b = i + width - 1; a < b; a++, b--) {
                byte t = bigEndian[a];
                bigEndian[a] = bigEndian[b];
                bigEndian[b] = t;
            }
        }
        expectRejected("big-endian v3", bigEndian, "version", "big-endian");
        Path missing = dir.resolve("does-not-exist.gguf");
        GGUFException e = assertThrows(GGUFException.class, () -> GGUFFile.open(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        GGUFException d = assertThrows(GGUFException.class, () -> GGUFFile.open(dir));
        assertTrue(d.getMessage().contains(dir.toString()), d.getMessage());
    }

    @Test
    void aVersion2FileWithNothingInItOpens() {
        Path file = writeBytes("v2.gguf", header(2, 0, 0));
        assertEquals(Outcome.OPENED, check(file, "empty v2"));
    }

    // ---- the oracle

    /** Opens {@code file} under a time limit: it opens and every tensor reads, or it fails with a well-formed GGUFException. */
    private Outcome check(Path file, String what) {
        return assertTimeoutPreemptively(OPEN_LIMIT, () -> {
            try (GGUFFile opened = GGUFFile.open(file)) {
                for (GGUFTensorInfo info : opened.tensorInfos()) {
                    MemorySegment data = opened.tensor(info.name()).data();
                    long sum = 0;
                    for (long i = 0; i < data.byteSize(); i += 64) {
                        sum += data.get(ValueLayout.JAVA_BYTE, i);
                    }
                    if (data.byteSize() > 0) {
                        sum += data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1);
                    }
                    assertTrue(sum > Long.MIN_VALUE);
                }
                opened.metadata().values().forEach(GGUFValue::toString);
                return Outcome.OPENED;
            } catch (GGUFException e) {
                assertWellFormed(e, file, what);
                return Outcome.REJECTED;
            } catch (Throwable t) {
                return fail(what + ": " + t.getClass().getName() + " instead of GGUFException", t);
            }
        }, () -> what + ": reading took over " + OPEN_LIMIT);
    }

    private static void assertWellFormed(GGUFException e, Path file, String what) {
        String message = e.getMessage();
        Pattern shape = Pattern.compile(Pattern.quote(file.toString()) + ": " + FIELD + ".*", Pattern.DOTALL);
        assertTrue(shape.matcher(message).matches(), what + ": message does not name the file and field: " + message);
    }

    private void expectRejected(String what, byte[] content, String... parts) {
        Path file = writeBytes("crafted.gguf", content);
        try {
            GGUFFile.open(file).close();
            fail(what + ": opened");
        } catch (GGUFException e) {
            assertWellFormed(e, file, what);
            for (String part : parts) {
                assertTrue(e.getMessage().contains(part), what + ": message lacks '" + part + "': " + e.getMessage());
            }
        } catch (Throwable t) {
            fail(what + ": " + t.getClass().getName() + " instead of GGUFException", t);
        }
        assertEquals(Outcome.REJECTED, check(file, what));
    }

    // ---- building files

    private Path writeSmallModel(String name) {
        Path out = dir.resolve(name);
        SplittableRandom random = new SplittableRandom(3);
        GGUFWriter w = new GGUFWriter()
                .put("general.architecture", GGUFValue.of("llama"))
                .put("general.alignment", GGUFValue.ofUInt32(64))
                .put("u8", GGUFValue.scalar(GGUFValueType.UINT8, (byte) 200))
                .put("i16", GGUFValue.scalar(GGUFValueType.INT16, (short) -3))
                .put("f64", GGUFValue.scalar(GGUFValueType.FLOAT64, 2.5))
                .put("flag", GGUFValue.ofBool(true))
                .put("tokens", GGUFValue.ofArray(GGUFValueType.STRING, new String[] {"<unk>", "\u2581the", "", "\ud83e\udd99"}))
                .put("scores", GGUFValue.ofArray(GGUFValueType.FLOAT32, new float[] {0f, -1f, -2f, -3f}))
                .put("types", GGUFValue.ofArray(GGUFValueType.INT32, new int[] {2, 1, 1, 6}))
                .put("bools", GGUFValue.ofArray(GGUFValueType.BOOL, new boolean[] {true, false}))
                .put("nested", GGUFValue.ofArray(GGUFValueType.ARRAY, new GGUFValue[] {
                    GGUFValue.ofArray(GGUFValueType.UINT64, new long[] {1, 2}),
                    GGUFValue.ofArray(GGUFValueType.STRING, new String[] {"x"})}));
        Consumer<MemorySegment> randomFill = seg -> {
            for (long i = 0; i < seg.byteSize(); i++) {
                seg.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
            }
        };
        w.addTensor("token_embd.weight", GGMLType.F16, new long[] {8, 4}, randomFill)
                .addTensor("blk.0.attn_q.weight", GGMLType.Q8_0, new long[] {32, 3}, randomFill)
                .addTensor("output_norm.weight", GGMLType.F32, new long[] {8}, randomFill)
                .write(out);
        return out;
    }

    private static long dataEnd(GGUFFile file) {
        long end = file.dataStart();
        for (GGUFTensorInfo info : file.tensorInfos()) {
            end = Math.max(end, file.dataStart() + info.offset() + info.byteSize());
        }
        return end;
    }

    private Path writeBytes(String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] header(int version, long tensorCount, long kvCount) {
        return bytes(new byte[0], e -> {
            e.u32(GGUFFile.MAGIC);
            e.u32(version);
            e.u64(tensorCount);
            e.u64(kvCount);
        });
    }

    /** A v3 header and {@code kvCount} metadata entries that {@code body} encodes, then slack so counts look plausible. */
    private static byte[] metadataFile(int kvCount, Consumer<GGUFEncoder> body) {
        byte[] content = bytes(header(3, 0, kvCount), body);
        return Arrays.copyOf(content, content.length + 64);
    }

    /** A v3 header and one metadata key followed by whatever {@code body} encodes. */
    private static byte[] kv(String key, Consumer<GGUFEncoder> body) {
        return metadataFile(1, e -> {
            e.string(key);
            body.accept(e);
        });
    }

    private static byte[] tensorFile(int dims, long[] shape, int typeId, long offset) {
        byte[] infos = bytes(header(3, 1, 0), e -> tensorInfo(e, "t", dims, shape, typeId, offset));
        return Arrays.copyOf(infos, (int) GGUFFile.alignUp(infos.length, 32) + 64); // 64 bytes of data
    }

    private static void tensorInfo(GGUFEncoder e, String name, int dims, long[] shape, int typeId, long offset) {
        e.string(name);
        e.u32(dims);
        for (long d : shape) {
            e.u64(d);
        }
        e.u32(typeId);
        e.u64(offset);
    }

    /** {@code prefix} followed by whatever {@code body} encodes. */
    private static byte[] bytes(byte[] prefix, Consumer<GGUFEncoder> body) {
        GGUFEncoder e = new GGUFEncoder();
        for (byte b : prefix) {
            e.u8(b);
        }
        body.accept(e);
        byte[] out = new byte[e.size()];
        e.copyTo(MemorySegment.ofArray(out));
        return out;
    }

}
