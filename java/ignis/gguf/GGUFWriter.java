package ignis.gguf;

import ignis.tensor.GGMLType;
import ignis.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds a GGUF version 3 file: metadata in insertion order, then tensors whose bytes are produced
 * by a callback straight into a memory mapping of the output, so a multi-GB tensor never sits on
 * the heap. The layout is the one llama.cpp requires: the data section starts at an aligned offset
 * and every tensor starts {@code general.alignment} (default 32) aligned, in the order added,
 * each padded with zeros.
 */
public final class GGUFWriter {
    public static final int VERSION = 3;
    /** ggml's GGML_MAX_NAME: llama.cpp rejects tensor names of this many bytes or more. */
    public static final int MAX_NAME_BYTES = 64;

    private final Map<String, GGUFValue> metadata = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();

    private record PendingTensor(String name, GGMLType type, long[] shape, long byteSize, Consumer<MemorySegment> fill) {
    }

    /** Sets {@code key}; a new key goes last, a key set again keeps its place. */
    public GGUFWriter put(String key, GGUFValue value) {
        if (key == null || key.isEmpty() || value == null) {
            throw new GGUFException("metadata key '" + key + "': a non-empty key and a value are required");
        }
        if (key.equals(GGUFFile.ALIGNMENT_KEY)) {
            alignmentOf(value);
        }
        metadata.put(key, value);
        return this;
    }

    /** Copies every metadata entry of {@code source}, in its order (values are immutable in use, so shared). */
    public GGUFWriter putAll(GGUFFile source) {
        source.metadata().forEach(this::put);
        return this;
    }

    public GGUFWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /**
     * Adds a tensor: {@code shape[0]} is the row length (ggml's ne0). At {@link #write} time
     * {@code fill} receives a segment of exactly {@code type.bytesFor(elements)} bytes to fill; it
     * may write from several threads.
     */
    public GGUFWriter addTensor(String name, GGMLType type, long[] shape, Consumer<MemorySegment> fill) {
        String field = "tensor '" + name + "'";
        if (name == null || name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length >= MAX_NAME_BYTES) {
            throw new GGUFException(field + ": a name must be non-empty and shorter than " + MAX_NAME_BYTES + " bytes");
        }
        if (tensors.containsKey(name)) {
            throw new GGUFException(field + ": added twice");
        }
        if (shape.length < 1 || shape.length > GGUFFile.MAX_DIMS) {
            throw new GGUFException(field + ": needs 1.." + GGUFFile.MAX_DIMS + " dimensions, got " + shape.length);
        }
        long elements = 1;
        for (long d : shape) {
            if (d <= 0 || elements > Long.MAX_VALUE / d) {
                throw new GGUFException(field + ": impossible shape " + Arrays.toString(shape));
            }
            elements *= d;
        }
        if (shape[0] % type.blockSize != 0) {
            throw new GGUFException(field + ": row length " + shape[0] + " is not a multiple of the "
                    + type + " block size " + type.blockSize);
        }
        tensors.put(name, new PendingTensor(name, type, shape.clone(), type.bytesFor(elements), fill));
        return this;
    }

    /** Adds a copy of {@code tensor}'s bytes; its memory must stay valid until {@link #write}. */
    public GGUFWriter addTensor(Tensor tensor) {
        return addTensor(tensor.name(), tensor.type(), tensor.shape(), target -> target.copyFrom(tensor.data()));
    }

    /**
     * Writes the file. It is built beside {@code out} under a temporary name and moved into place
     * when complete, so a failure never leaves a half-written model at {@code out}.
     */
    public void write(Path out) {
        long alignment = metadata.containsKey(GGUFFile.ALIGNMENT_KEY) ? alignmentOf(metadata.get(GGUFFile.ALIGNMENT_KEY))
                : GGUFFile.DEFAULT_ALIGNMENT;
        List<Long> offsets = new ArrayList<>();
        long dataSize = 0;
        for (PendingTensor t : tensors.values()) {
            offsets.add(dataSize);
            dataSize += GGUFFile.alignUp(t.byteSize, alignment);
        }
        GGUFEncoder header = encodeHeader(offsets);
        long dataStart = GGUFFile.alignUp(header.size(), alignment);

        Path absolute = out.toAbsolutePath();
        Path temp = null;
        try {
            temp = absolute.resolveSibling(absolute.getFileName() + ".partial");
            writeMapped(temp, header, dataStart, dataStart + dataSize, offsets);
            moveIntoPlace(temp, absolute);
            temp = null;
        } catch (IOException e) {
            throw new GGUFException(out + ": cannot write: " + e, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the original failure is the one worth reporting
                }
            }
        }
    }

    private GGUFEncoder encodeHeader(List<Long> offsets) {
        GGUFEncoder h = new GGUFEncoder();
        h.u32(GGUFFile.MAGIC);
        h.u32(VERSION);
        h.u64(tensors.size());
        h.u64(metadata.size());
        metadata.forEach((key, value) -> {
            h.string(key);
            GGUFValues.write(h, value, key);
        });
        int i = 0;
        for (PendingTensor t : tensors.values()) {
            h.string(t.name);
            h.u32(t.shape.length);
            for (long d : t.shape) {
                h.u64(d);
            }
            h.u32(t.type.id);
            h.u64(offsets.get(i++));
        }
        return h;
    }

    private void writeMapped(Path file, GGUFEncoder header, long dataStart, long fileSize, List<Long> offsets)
            throws IOException {
        try (Arena arena = Arena.ofShared();
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, fileSize, arena);
            header.copyTo(mapping);
            mapping.asSlice(header.size(), dataStart - header.size()).fill((byte) 0);
            int i = 0;
            for (PendingTensor t : tensors.values()) {
                long start = dataStart + offsets.get(i++);
                long paddedEnd = i < offsets.size() ? dataStart + offsets.get(i) : fileSize;
                t.fill.accept(mapping.asSlice(start, t.byteSize));
                mapping.asSlice(start + t.byteSize, paddedEnd - start - t.byteSize).fill((byte) 0);
            }
        }
    }

    private static void moveIntoPlace(Path temp, Path out) throws IOException {
        try {
            Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** llama.cpp reads general.alignment as a u32 and needs a power of two. */
    private static long alignmentOf(GGUFValue value) {
        Long a = value.type() == GGUFValueType.UINT32 ? value.asLong() : null;
        if (a == null || a <= 0 || Long.bitCount(a) != 1 || a > GGUFFile.MAX_ALIGNMENT) {
            throw new GGUFException("metadata '" + GGUFFile.ALIGNMENT_KEY + "': must be a UINT32 power of two up to "
                    + GGUFFile.MAX_ALIGNMENT + ", got " + value + " (" + value.type() + ")");
        }
        return a;
    }
}
