package ignis.peer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * llama.cpp's own forward pass, driven through its C API (llama_decode, llama_get_logits) in the
 * peer's library: the logits llama.cpp computes for a GGUF, step by step, to compare with ours.
 * Default context parameters (512 positions, F16 KV cache, no flash attention), 2 threads.
 */
public final class LlamaCppLogits implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    /**
     * llama_model_params and llama_context_params travel by value; both are larger than 16 bytes,
     * so the ABI passes them in memory and this generous size covers them without naming fields
     * (llama.cpp reads its own fields from the start and ignores the rest).
     */
    private static final MemoryLayout PARAMS = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(64, JAVA_LONG));
    /** struct llama_batch: n_tokens, then token, embd, pos, n_seq_id, seq_id, logits pointers. */
    private static final MemoryLayout BATCH = MemoryLayout.structLayout(
            JAVA_INT, MemoryLayout.paddingLayout(4), ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);

    /** A log callback that drops llama.cpp's load and context messages. */
    private static final MemorySegment SILENT_LOG = silentLog();

    private final Arena arena = Arena.ofConfined();
    private final MethodHandle batchGetOne;
    private final MethodHandle decode;
    private final MethodHandle getLogits;
    private final MethodHandle free;
    private final MethodHandle modelFree;
    private final MemorySegment model;
    private final MemorySegment context;
    private final int vocabSize;

    public LlamaCppLogits(Path gguf, int vocabSize) {
        SymbolLookup lib = PeerLibrary.lookup();
        assumeTrue(lib != null, () -> "llama.cpp's library is not usable here: " + PeerLibrary.whyUnavailable());
        this.vocabSize = vocabSize;
        try {
            function(lib, "llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS)).invokeExact(SILENT_LOG, MemorySegment.NULL);
            function(lib, "llama_backend_init", FunctionDescriptor.ofVoid()).invokeExact();
            MemorySegment modelParams = (MemorySegment) function(lib, "llama_model_default_params", FunctionDescriptor.of(PARAMS))
                    .invokeExact((java.lang.foreign.SegmentAllocator) arena);
            model = (MemorySegment) function(lib, "llama_model_load_from_file", FunctionDescriptor.of(ADDRESS, ADDRESS, PARAMS))
                    .invokeExact(arena.allocateFrom(gguf.toString()), modelParams);
            if (model.address() == 0) {
                throw new IllegalStateException("llama.cpp could not load " + gguf);
            }
            MemorySegment contextParams = (MemorySegment) function(lib, "llama_context_default_params", FunctionDescriptor.of(PARAMS))
                    .invokeExact((java.lang.foreign.SegmentAllocator) arena);
            context = (MemorySegment) function(lib, "llama_init_from_model", FunctionDescriptor.of(ADDRESS, ADDRESS, PARAMS))
                    .invokeExact(model, contextParams);
            if (context.address() == 0) {
                throw new IllegalStateException("llama.cpp could not create a context for " + gguf);
            }
            function(lib, "llama_set_n_threads", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT)).invokeExact(context, 2, 2);
            batchGetOne = function(lib, "llama_batch_get_one", FunctionDescriptor.of(BATCH, ADDRESS, JAVA_INT));
            decode = function(lib, "llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, BATCH));
            getLogits = function(lib, "llama_get_logits", FunctionDescriptor.of(ADDRESS, ADDRESS));
            free = function(lib, "llama_free", FunctionDescriptor.ofVoid(ADDRESS));
            modelFree = function(lib, "llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unused") // called by llama.cpp
    private static void ignore(int level, MemorySegment text, MemorySegment userData) {
    }

    private static MemorySegment silentLog() {
        try {
            MethodHandle ignore = java.lang.invoke.MethodHandles.lookup().findStatic(LlamaCppLogits.class, "ignore",
                    java.lang.invoke.MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
            return LINKER.upcallStub(ignore, FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MethodHandle function(SymbolLookup lib, String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(lib.find(name).orElseThrow(() -> new IllegalStateException(name + " not exported")), descriptor);
    }

    /** Runs {@code tokens} (appended to the sequence so far, in one batch) and returns the last token's logits. */
    public float[] eval(int... tokens) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment ids = call.allocateFrom(JAVA_INT, tokens);
            MemorySegment batch = (MemorySegment) batchGetOne.invokeExact((java.lang.foreign.SegmentAllocator) call, ids, tokens.length);
            int status = (int) decode.invokeExact(context, batch);
            if (status != 0) {
                throw new IllegalStateException("llama_decode failed with " + status);
            }
            MemorySegment logits = ((MemorySegment) getLogits.invokeExact(context)).reinterpret((long) vocabSize * Float.BYTES);
            return logits.toArray(JAVA_FLOAT);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            free.invokeExact(context);
            modelFree.invokeExact(model);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        } finally {
            arena.close();
        }
    }
}
