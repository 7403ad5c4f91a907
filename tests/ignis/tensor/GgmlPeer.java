package ignis.tensor;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assumptions.assumeTrue;


import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The ggml inside the peer (the llama.cpp build bundled in de.kherud:llama, a test dependency),
 * called through FFM through its exported type-trait tables: the reference our numerics must
 * reproduce. Tests skip, with the reason, where that library cannot run here.
 */
final class GgmlPeer {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor CONVERT = FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG);
    private static final FunctionDescriptor VEC_DOT = FunctionDescriptor.ofVoid(
            JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT);
    private static GgmlPeer instance;
    private static String unavailable;

    private final Arena arena = Arena.ofShared();
    private final MethodHandle typeTraits;
    private final MethodHandle cpuTypeTraits;

    private GgmlPeer(SymbolLookup lib) throws Throwable {
        LINKER.downcallHandle(lib.find("ggml_cpu_init").orElseThrow(), FunctionDescriptor.ofVoid()).invokeExact();
        typeTraits = LINKER.downcallHandle(lib.find("ggml_get_type_traits").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
        cpuTypeTraits = LINKER.downcallHandle(lib.find("ggml_get_type_traits_cpu").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /** The peer's ggml; skips the calling test when it is not usable on this machine. */
    static synchronized GgmlPeer require() {
        if (instance == null && unavailable == null) {
            unavailable = load();
        }
        assumeTrue(unavailable == null, () -> "the peer's ggml is not usable here: " + unavailable);
        return instance;
    }

    private static String load() {
        SymbolLookup lib = ignis.peer.PeerLibrary.lookup();
        if (lib == null) {
            return ignis.peer.PeerLibrary.whyUnavailable();
        }
        try {
            instance = new GgmlPeer(lib);
            return null;
        } catch (Throwable e) {
            throw new AssertionError("calling into the peer's llama.cpp library failed", e);
        }
    }

    /** ggml's struct ggml_type_traits of {@code type}, checked against our block layout. */
    private MemorySegment traits(GGMLType type) throws Throwable {
        MemorySegment t = ((MemorySegment) typeTraits.invokeExact(type.id)).reinterpret(56);
        String name = t.get(ADDRESS, 0).reinterpret(16).getString(0);
        if (!name.equalsIgnoreCase(type.name()) || t.get(JAVA_LONG, 8) != type.blockSize || t.get(JAVA_LONG, 24) != type.blockBytes) {
            throw new AssertionError("the peer's ggml describes type " + type.id + " as " + name + " with blocks of "
                    + t.get(JAVA_LONG, 8) + " values in " + t.get(JAVA_LONG, 24) + " bytes; expected " + type + " "
                    + type.blockSize + "/" + type.blockBytes);
        }
        return t;
    }

    /** ggml's struct ggml_type_traits_cpu of {@code type}. */
    private MemorySegment cpuTraits(GGMLType type) throws Throwable {
        return ((MemorySegment) cpuTypeTraits.invokeExact(type.id)).reinterpret(32);
    }

    private static MethodHandle function(MemorySegment pointer, FunctionDescriptor descriptor, String what) {
        if (pointer.address() == 0) {
            throw new AssertionError("the peer's ggml has no " + what);
        }
        return LINKER.downcallHandle(pointer, descriptor);
    }

    /** The activation type ggml's CPU backend pairs with {@code type} (vec_dot_type). */
    GGMLType vecDotType(GGMLType type) throws Throwable {
        return GGMLType.byId(cpuTraits(type).get(JAVA_INT, 16));
    }

    /** ggml-cpu's from_float (quantize_row_q8_0, fp32 to fp16, ...): how llama.cpp converts activations. */
    MemorySegment fromFloat(GGMLType type, float[] x) throws Throwable {
        if (type == GGMLType.F32) {
            return arena.allocateFrom(JAVA_FLOAT, x);
        }
        return convert(function(cpuTraits(type).get(ADDRESS, 0), CONVERT, type + " from_float"), type, x);
    }

    /** ggml's from_float_ref (quantize_row_q4_K_ref, ...): the reference quantizer of weights. */
    MemorySegment fromFloatReference(GGMLType type, float[] x) throws Throwable {
        return convert(function(traits(type).get(ADDRESS, 48), CONVERT, type + " from_float_ref"), type, x);
    }

    private MemorySegment convert(MethodHandle converter, GGMLType type, float[] x) throws Throwable {
        MemorySegment out = arena.allocate(type.bytesFor(x.length), 64);
        converter.invokeExact(arena.allocateFrom(JAVA_FLOAT, x), out, (long) x.length);
        return out;
    }

    /** ggml's to_float (dequantize_row_*). */
    float[] toFloat(GGMLType type, MemorySegment row, int n) throws Throwable {
        MethodHandle converter = function(traits(type).get(ADDRESS, 40), CONVERT, type + " to_float");
        MemorySegment in = arena.allocate(row.byteSize(), 64).copyFrom(row);
        MemorySegment out = arena.allocate(4L * n, 64);
        converter.invokeExact(in, out, (long) n);
        return out.toArray(JAVA_FLOAT);
    }

    /** ggml-cpu's vec_dot of a {@code type} row with an activation row of its vec_dot_type. */
    float vecDot(GGMLType type, MemorySegment w, MemorySegment a, int n) throws Throwable {
        MethodHandle dot = function(cpuTraits(type).get(ADDRESS, 8), VEC_DOT, type + " vec_dot");
        MemorySegment result = arena.allocate(4);
        dot.invokeExact(n, result, 0L, offHeap(w), 0L, offHeap(a), 0L, 1);
        return result.get(JAVA_FLOAT, 0);
    }

    private MemorySegment offHeap(MemorySegment s) {
        return s.isNative() ? s : arena.allocate(s.byteSize(), 64).copyFrom(s);
    }
}
