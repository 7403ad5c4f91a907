package ignis.gguf;

import ignis.tensor.GGMLType;
import ignis.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3) memory-mapped through FFM: metadata is parsed eagerly, tensor
 * data stays in the mapping (no copy to the heap). Close it to unmap; tensors obtained from it
 * are invalid afterwards.
 */
public final class GGUFFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    /** The largest general.alignment accepted (1 MiB). */
    public static final int MAX_ALIGNMENT = 1 << 20;
    public static final String ALIGNMENT_KEY = "general.alignment";
    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final Map<String, GGUFValue> metadata;
    private final Map<String, GGUFTensorInfo> tensorInfos;
    private final long alignment;
    private final long dataStart;

    private GGUFFile(Path path, Arena arena, MemorySegment mapping) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        GGUFCursor in = new GGUFCursor(mapping, path.toString());
        int magic = in.u32("magic");
        if (magic != MAGIC) {
            throw in.error("magic", String.format("not a GGUF file (magic 0x%08x)", magic));
        }
        this.version = in.u32("version");
        if (version == 1) {
            throw in.error("version", "GGUF version 1 is not supported (re-convert the model to version 3)");
        }
        if (version != 2 && version != 3) {
            int swapped = Integer.reverseBytes(version);
            String hint = swapped >= 1 && swapped <= 3 ? " (a big-endian GGUF, not supported)" : "";
            throw in.error("version", "unsupported GGUF version " + Integer.toUnsignedString(version) + hint);
        }
        // A tensor entry takes at least 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset) bytes.
        int tensorCount = in.count("tensor_count", 24);
        // A metadata entry takes at least 8 (key length) + 4 (value type) + 1 byte of value.
        int metadataCount = in.count("metadata_kv_count", 13);
        this.metadata = new LinkedHashMap<>();
        for (int i = 0; i < metadataCount; i++) {
            String key = in.string("metadata key #" + i);
            if (metadata.containsKey(key)) {
                throw in.error("metadata key '" + key + "'", "appears twice");
            }
            metadata.put(key, GGUFValues.read(in, "metadata '" + key + "'"));
        }
        this.alignment = readAlignment(in);
        this.tensorInfos = new LinkedHashMap<>();
        for (int i = 0; i < tensorCount; i++) {
            GGUFTensorInfo info = readTensorInfo(in, i);
            if (tensorInfos.putIfAbsent(info.name(), info) != null) {
                throw in.error("tensor '" + info.name() + "'", "appears twice");
            }
        }
        this.dataStart = alignUp(in.position(), alignment);
        long dataSize = mapping.byteSize() - dataStart;
        for (GGUFTensorInfo info : tensorInfos.values()) {
            long end = info.offset() + info.byteSize();
            if (info.offset() % alignment != 0) {
                throw new GGUFException(path + ": tensor '" + info.name() + "': offset " + info.offset()
                        + " is not a multiple of the alignment " + alignment);
            }
            if (end > dataSize || end < 0) {
                throw new GGUFException(path + ": tensor '" + info.name() + "': data [" + info.offset() + ", " + end
                        + ") lies past the end of the file (data section has " + Math.max(0, dataSize) + " bytes; file truncated?)");
            }
        }
    }

    /** Opens and maps {@code path}; throws {@link GGUFException} naming the file and field on any defect. */
    public static GGUFFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new GGUFFile(path, arena, asNative(mapping, arena));
        } catch (java.nio.file.NoSuchFileException e) {
            arena.close();
            throw new GGUFException(path + ": no such file", e);
        } catch (IOException e) {
            arena.close();
            throw new GGUFException(path + ": cannot read: " + e, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The mapped memory as a plain native segment of the same arena. The CPU kernels load
     * vectors from weights and from native activation buffers; two segment classes at those
     * loads make C2 inline both for each, and the larger tiled kernels then pass its inlining
     * cutoff and run 3x slower (measured: tests/ignis/tensor/MultiplyRowsBench, -Dmapped).
     */
    private static MemorySegment asNative(MemorySegment mapping, Arena arena) {
        return MemorySegment.ofAddress(mapping.address()).reinterpret(mapping.byteSize(), arena, null).asReadOnly();
    }

    private long readAlignment(GGUFCursor in) {
        GGUFValue v = metadata.get(ALIGNMENT_KEY);
        if (v == null) {
            return DEFAULT_ALIGNMENT;
        }
        Long a = v.asLong();
        if (a == null || a <= 0 || Long.bitCount(a) != 1 || a > MAX_ALIGNMENT) {
            throw in.error(ALIGNMENT_KEY, "must be a power-of-two integer, got " + v);
        }
        return a;
    }

    private GGUFTensorInfo readTensorInfo(GGUFCursor in, int index) {
        String name = in.string("tensor #" + index + " name");
        String field = "tensor '" + name + "'";
        int dims = in.u32(field + " n_dims");
        if (dims < 1 || dims > MAX_DIMS) {
            throw in.error(field + " n_dims", "must be 1.." + MAX_DIMS + ", got " + Integer.toUnsignedString(dims));
        }
        long[] shape = new long[dims];
        // No type packs more than 8 elements in a byte, so more elements than this cannot fit the file;
        // bounding the product here also keeps every later size computation free of overflow.
        long maxElements = mapping.byteSize() * 8;
        long elements = 1;
        for (int d = 0; d < dims; d++) {
            shape[d] = in.u64(field + " ne[" + d + "]");
            if (shape[d] <= 0 || shape[d] > maxElements / elements) {
                throw in.error(field + " ne[" + d + "]", "impossible dimension " + Long.toUnsignedString(shape[d])
                        + " (the tensor would not fit in the file)");
            }
            elements *= shape[d];
        }
        int typeId = in.u32(field + " type");
        GGMLType type = GGMLType.byId(typeId);
        if (type == null) {
            throw in.error(field + " type", "unknown tensor type id " + Integer.toUnsignedString(typeId));
        }
        if (shape[0] % type.blockSize != 0) {
            throw in.error(field + " ne[0]", shape[0] + " is not a multiple of the " + type + " block size " + type.blockSize);
        }
        long offset = in.u64(field + " offset");
        if (offset < 0) {
            throw in.error(field + " offset", "impossible offset " + Long.toUnsignedString(offset));
        }
        return new GGUFTensorInfo(name, type, shape, offset);
    }

    static long alignUp(long position, long alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public long alignment() {
        return alignment;
    }

    /** Byte offset of the data section in the file. */
    public long dataStart() {
        return dataStart;
    }

    public Map<String, GGUFValue> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    public List<GGUFTensorInfo> tensorInfos() {
        return List.copyOf(tensorInfos.values());
    }

    public boolean hasTensor(String name) {
        return tensorInfos.containsKey(name);
    }

    /** The tensor named {@code name}, its data a slice of the mapping. */
    public Tensor tensor(String name) {
        GGUFTensorInfo info = tensorInfos.get(name);
        if (info == null) {
            throw new GGUFException(path + ": tensor '" + name + "' is missing");
        }
        return new Tensor(name, info.type(), info.shape(),
                mapping.asSlice(dataStart + info.offset(), info.byteSize()));
    }

    // ---- typed metadata access; each names the key and file when the value is absent or of the wrong type

    public GGUFValue value(String key) {
        GGUFValue v = metadata.get(key);
        if (v == null) {
            throw new GGUFException(path + ": metadata '" + key + "' is missing");
        }
        return v;
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public String getString(String key) {
        GGUFValue v = value(key);
        if (v.type() != GGUFValueType.STRING) {
            throw wrongType(key, "a string", v);
        }
        return (String) v.value();
    }

    public String getString(String key, String fallback) {
        return has(key) ? getString(key) : fallback;
    }

    public long getLong(String key) {
        GGUFValue v = value(key);
        Long l = v.asLong();
        if (l == null) {
            throw wrongType(key, "an integer", v);
        }
        return l;
    }

    public long getLong(String key, long fallback) {
        return has(key) ? getLong(key) : fallback;
    }

    /** An integer value that must fit an int and be within [min, max]. */
    public int getInt(String key, int min, int max) {
        long v = getLong(key);
        if (v < min || v > max) {
            throw new GGUFException(path + ": metadata '" + key + "' = " + v + " is out of range [" + min + ", " + max + "]");
        }
        return (int) v;
    }

    public float getFloat(String key) {
        GGUFValue v = value(key);
        return switch (v.type()) {
            case FLOAT32 -> (Float) v.value();
            case FLOAT64 -> (float) (double) (Double) v.value();
            default -> {
                Long l = v.asLong();
                if (l == null) {
                    throw wrongType(key, "a number", v);
                }
                yield l;
            }
        };
    }

    public float getFloat(String key, float fallback) {
        return has(key) ? getFloat(key) : fallback;
    }

    public boolean getBool(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        GGUFValue v = value(key);
        if (v.type() != GGUFValueType.BOOL) {
            throw wrongType(key, "a bool", v);
        }
        return (Boolean) v.value();
    }

    /** An array value of the given element type, as its Java array (see {@link GGUFValue}). */
    public Object getArray(String key, GGUFValueType elementType) {
        GGUFValue v = value(key);
        if (v.type() != GGUFValueType.ARRAY || v.elementType() != elementType) {
            throw wrongType(key, "an array of " + elementType, v);
        }
        return v.value();
    }

    private GGUFException wrongType(String key, String expected, GGUFValue v) {
        String actual = v.type() == GGUFValueType.ARRAY ? "an array of " + v.elementType() : v.type().toString();
        return new GGUFException(path + ": metadata '" + key + "' must be " + expected + ", found " + actual);
    }

    @Override
    public void close() {
        arena.close();
    }
}
