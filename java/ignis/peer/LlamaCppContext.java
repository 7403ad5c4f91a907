package ignis.peer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import ignis.IgnisException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;

/**
 * One GGUF loaded by llama.cpp (its own CPU forward pass, through its C API in the peer library)
 * with one context: decode token batches into its KV cache, read the last token's logits, clear
 * the cache. llama.cpp's log output is silenced.
 */
public final class LlamaCppContext implements AutoCloseable {

    /**
     * Context size in positions, logical batch (the most tokens one decode call takes), physical
     * micro-batch, and compute threads. llama.cpp may round the context size up.
     */
    public record Settings(int contextLength, int batch, int microBatch, int threads) {
        /** llama.cpp's own defaults (llama_context_default_params, llama-bench) with {@code threads}. */
        public static Settings defaults(int threads) {
            return new Settings(512, 2048, 512, threads);
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    /**
     * llama_model_params and llama_context_params travel by value; both are larger than 16 bytes,
     * so the ABI passes them in memory and this generous size covers them without naming every
     * field (llama.cpp reads its own fields from the start and ignores the rest).
     */
    private static final MemoryLayout PARAMS = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(64, JAVA_LONG));
    /** Offsets in llama_context_params (b4916): uint32 n_ctx, n_batch, n_ubatch, n_seq_max; int32 n_threads, n_threads_batch. */
    private static final long N_CTX = 0;
    private static final long N_BATCH = 4;
    private static final long N_UBATCH = 8;
    private static final long N_SEQ_MAX = 12;
    private static final long N_THREADS = 16;
    private static final long N_THREADS_BATCH = 20;
    /** struct llama_batch: n_tokens, then token, embd, pos, n_seq_id, seq_id, logits pointers. */
    private static final MemoryLayout BATCH = MemoryLayout.structLayout(
            JAVA_INT, MemoryLayout.paddingLayout(4), ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    private static MemorySegment silentLog;

    private final Arena arena = Arena.ofConfined();
    private final MethodHandle batchGetOne;
    private final MethodHandle decode;
    private final MethodHandle synchronize;
    private final MethodHandle getLogits;
    private final MethodHandle clearCache;
    private final MethodHandle free;
    private final MethodHandle modelFree;
    private final MemorySegment model;
    private final MemorySegment context;
    private final int vocabSize;
    private final Settings actual;

    /** Loads {@code gguf} into llama.cpp; throws {@link PeerUnavailableException} where the library cannot be used. */
    public LlamaCppContext(Path gguf, Settings settings) {
        SymbolLookup lib = PeerLibrary.require();
        try {
            function(lib, "llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS)).invokeExact(silentLog(), MemorySegment.NULL);
            function(lib, "llama_backend_init", FunctionDescriptor.ofVoid()).invokeExact();
            MemorySegment modelParams = (MemorySegment) function(lib, "llama_model_default_params", FunctionDescriptor.of(PARAMS))
                    .invokeExact((SegmentAllocator) arena);
            model = (MemorySegment) function(lib, "llama_model_load_from_file", FunctionDescriptor.of(ADDRESS, ADDRESS, PARAMS))
                    .invokeExact(arena.allocateFrom(gguf.toString()), modelParams);
            if (model.address() == 0) {
                throw new IgnisException("llama.cpp could not load " + gguf);
            }
            modelFree = function(lib, "llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));
            MemorySegment vocab = (MemorySegment) function(lib, "llama_model_get_vocab", FunctionDescriptor.of(ADDRESS, ADDRESS))
                    .invokeExact(model);
            vocabSize = (int) function(lib, "llama_vocab_n_tokens", FunctionDescriptor.of(JAVA_INT, ADDRESS)).invokeExact(vocab);
            MemorySegment contextParams = (MemorySegment) function(lib, "llama_context_default_params", FunctionDescriptor.of(PARAMS))
                    .invokeExact((SegmentAllocator) arena);
            setContextParams(contextParams, settings);
            context = (MemorySegment) function(lib, "llama_init_from_model", FunctionDescriptor.of(ADDRESS, ADDRESS, PARAMS))
                    .invokeExact(model, contextParams);
            if (context.address() == 0) {
                modelFree.invokeExact(model);
                throw new IgnisException("llama.cpp could not create a context for " + gguf + " with " + settings);
            }
            free = function(lib, "llama_free", FunctionDescriptor.ofVoid(ADDRESS));
            actual = new Settings(query(lib, "llama_n_ctx"), query(lib, "llama_n_batch"), query(lib, "llama_n_ubatch"),
                    query(lib, "llama_n_threads"));
            batchGetOne = function(lib, "llama_batch_get_one", FunctionDescriptor.of(BATCH, ADDRESS, JAVA_INT));
            decode = function(lib, "llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, BATCH));
            synchronize = function(lib, "llama_synchronize", FunctionDescriptor.ofVoid(ADDRESS));
            getLogits = function(lib, "llama_get_logits", FunctionDescriptor.of(ADDRESS, ADDRESS));
            clearCache = function(lib, "llama_kv_self_clear", FunctionDescriptor.ofVoid(ADDRESS));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        } catch (Throwable e) {
            arena.close();
            throw new IllegalStateException(e);
        }
        checkApplied(settings);
    }

    /**
     * Writes {@code s} into llama_context_params, after checking that the defaults sit where the
     * b4916 layout puts them (a different llama.cpp would be misconfigured silently otherwise).
     */
    private static void setContextParams(MemorySegment params, Settings s) {
        if (params.get(JAVA_INT, N_BATCH) != 2048 || params.get(JAVA_INT, N_UBATCH) != 512 || params.get(JAVA_INT, N_SEQ_MAX) != 1) {
            throw new IllegalStateException("llama_context_params of this llama.cpp build does not have the expected layout (n_batch "
                    + params.get(JAVA_INT, N_BATCH) + ", n_ubatch " + params.get(JAVA_INT, N_UBATCH) + ", n_seq_max "
                    + params.get(JAVA_INT, N_SEQ_MAX) + "; expected 2048, 512, 1)");
        }
        params.set(JAVA_INT, N_CTX, s.contextLength());
        params.set(JAVA_INT, N_BATCH, s.batch());
        params.set(JAVA_INT, N_UBATCH, s.microBatch());
        params.set(JAVA_INT, N_THREADS, s.threads());
        params.set(JAVA_INT, N_THREADS_BATCH, s.threads());
    }

    /**
     * llama.cpp rounds the context up, caps the logical batch by the context asked for but keeps
     * at least 64 (the KQ mask's row padding), and caps the micro-batch by the batch; anything
     * else means the fields were not applied.
     */
    private void checkApplied(Settings wanted) {
        int batch = Math.max(64, Math.min(wanted.batch(), wanted.contextLength()));
        if (actual.contextLength() < wanted.contextLength() || actual.batch() != batch
                || actual.microBatch() != Math.min(wanted.microBatch(), batch) || actual.threads() != wanted.threads()) {
            close();
            throw new IllegalStateException("llama.cpp's context has " + actual + " where " + wanted + " was asked for");
        }
    }

    private int query(SymbolLookup lib, String name) throws Throwable {
        MethodHandle getter = function(lib, name, FunctionDescriptor.of(JAVA_INT, ADDRESS));
        return (int) getter.invokeExact(context);
    }

    /** The llama.cpp build number of the peer library, e.g. 4916; -1 when it does not say. */
    public static int buildNumber() {
        return PeerLibrary.require().find("LLAMA_BUILD_NUMBER").map(s -> s.reinterpret(4).get(JAVA_INT, 0)).orElse(-1);
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** The context as llama.cpp set it up (context length possibly rounded up, batches capped by it). */
    public Settings settings() {
        return actual;
    }

    /** Appends {@code tokens[0..count)} to the sequence in one llama_decode call and waits for it to finish. */
    public void decode(int[] tokens, int count) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment ids = call.allocate(JAVA_INT, count);
            MemorySegment.copy(tokens, 0, ids, JAVA_INT, 0, count);
            MemorySegment batch = (MemorySegment) batchGetOne.invokeExact((SegmentAllocator) call, ids, count);
            int status = (int) decode.invokeExact(context, batch);
            if (status != 0) {
                throw new IgnisException("llama_decode of " + count + " tokens failed with status " + status);
            }
            synchronize.invokeExact(context);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** The logits of the last token decoded. */
    public float[] lastLogits() {
        try {
            MemorySegment logits = (MemorySegment) getLogits.invokeExact(context);
            return logits.reinterpret((long) vocabSize * Float.BYTES).toArray(JAVA_FLOAT);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Empties the KV cache: the next decode starts at position 0. */
    public void clearCache() {
        try {
            clearCache.invokeExact(context);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (!arena.scope().isAlive()) {
            return;
        }
        try {
            free.invokeExact(context);
            modelFree.invokeExact(model);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        } finally {
            arena.close();
        }
    }

    private static MethodHandle function(SymbolLookup lib, String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(lib.find(name).orElseThrow(() -> new IllegalStateException("llama.cpp's library does not export "
                + name)), descriptor);
    }

    @SuppressWarnings("unused") // called by llama.cpp
    private static void ignore(int level, MemorySegment text, MemorySegment userData) {
    }

    /** A log callback that drops llama.cpp's load and context messages. */
    private static synchronized MemorySegment silentLog() throws ReflectiveOperationException {
        if (silentLog == null) {
            MethodHandle ignore = MethodHandles.lookup().findStatic(LlamaCppContext.class, "ignore",
                    MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
            silentLog = LINKER.upcallStub(ignore, FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS), Arena.global());
        }
        return silentLog;
    }
}
