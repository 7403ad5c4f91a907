package ignis.runtime;

import ignis.IgnisException;
import ignis.backend.Backends;
import ignis.backend.KvCache;
import ignis.backend.ModelExecutor;
import ignis.model.LlamaModel;
import ignis.model.LoadListener;
import ignis.runtime.sampling.Sampler;
import ignis.runtime.sampling.StopStringMatcher;
import ignis.tokenizer.StreamingDecoder;
import ignis.tokenizer.Tokenizer;
import java.nio.file.Path;

/**
 * A loaded model ready to generate: the library's entry point.
 * <pre>{@code
 * try (Engine engine = Engine.load(Path.of("model.gguf"))) {
 *     GenerationResult r = engine.generate("Once upon a time", GenerationParams.greedy(64),
 *             (token, text) -> System.out.print(text));
 * }
 * }</pre>
 * One generation at a time per engine.
 */
public final class Engine implements AutoCloseable {
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ModelExecutor executor;
    private final int contextLength;
    private final float[] logits;
    private KvCache cache;

    private Engine(LlamaModel model, Tokenizer tokenizer, ModelExecutor executor, int contextLength) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.executor = executor;
        this.contextLength = contextLength;
        this.logits = new float[model.config().vocabSize()];
    }

    public static Engine load(Path path) {
        return load(path, EngineOptions.defaults(), LoadListener.NONE);
    }

    /** Loads {@code path}; {@code listener} hears each block as it is ready (progress bars). */
    public static Engine load(Path path, EngineOptions options, LoadListener listener) {
        LlamaModel model = LlamaModel.load(path, listener);
        try {
            Tokenizer tokenizer = Tokenizer.fromGGUF(model.file());
            if (tokenizer.vocabularySize() != model.config().vocabSize()) {
                throw new IgnisException(path + ": tokenizer has " + tokenizer.vocabularySize() + " tokens but the model's vocabulary is "
                        + model.config().vocabSize());
            }
            int context = options.contextLength() > 0 ? options.contextLength()
                    : Math.min(model.config().contextLength(), EngineOptions.DEFAULT_CONTEXT);
            ModelExecutor executor = Backends.byName(options.backend()).load(model, options.executorOptions());
            return new Engine(model, tokenizer, executor, context);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public LlamaModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ModelExecutor executor() {
        return executor;
    }

    public int contextLength() {
        return contextLength;
    }

    /** Tokenizes {@code prompt} as llama.cpp does for a prompt (BOS as the vocabulary says, special tokens parsed). */
    public int[] tokenize(String prompt) {
        return tokenizer.encode(prompt, true, true);
    }

    public GenerationResult generate(String prompt, GenerationParams params, TokenListener listener) {
        return generate(tokenize(prompt), params, listener);
    }

    /** Generates after {@code prompt} (token ids, BOS included if wanted). */
    public GenerationResult generate(int[] prompt, GenerationParams params, TokenListener listener) {
        if (prompt.length == 0) {
            throw new IgnisException("the prompt is empty (no tokens to start from)");
        }
        if (prompt.length > contextLength) {
            throw new IgnisException("the prompt has " + prompt.length + " tokens, more than the context length " + contextLength);
        }
        if (params.maxTokens() == 0) {
            return new GenerationResult(prompt.length, new int[0], "", GenerationResult.StopReason.LENGTH, 0, 0);
        }
        if (cache == null || cache.capacity() != contextLength) {
            cache = executor.newCache(contextLength);
        }
        cache.truncate(0);
        Sampler sampler = new Sampler(params.sampling(), model.config().vocabSize());
        for (int t : prompt) {
            sampler.accept(t);
        }
        long start = System.nanoTime();
        executor.prefill(cache, prompt, 0, prompt.length, logits);
        long prefillNanos = System.nanoTime() - start;

        TextOutput output = new TextOutput(tokenizer, params.stop(), listener);
        GenerationResult.StopReason reason = GenerationResult.StopReason.LENGTH;
        long decodeStart = System.nanoTime();
        // Greedy without penalties: the backend picks the argmax (on a device only the id comes back).
        boolean argmaxOnBackend = params.sampling().isPlainArgmax();
        int next = sampler.sample(logits);
        while (true) {
            int token = next;
            sampler.accept(token);
            if (!params.ignoreEos() && tokenizer.isEndOfGeneration(token)) {
                reason = GenerationResult.StopReason.EOS;
                break;
            }
            if (output.add(token)) {
                reason = GenerationResult.StopReason.STOP_STRING;
                break;
            }
            if (output.count() == params.maxTokens()) {
                break;
            }
            if (cache.length() == cache.capacity()) {
                reason = GenerationResult.StopReason.CONTEXT;
                break;
            }
            if (argmaxOnBackend) {
                next = executor.decodeArgmax(cache, token, logits);
            } else {
                executor.decode(cache, token, logits);
                next = sampler.sample(logits);
            }
        }
        long decodeNanos = System.nanoTime() - decodeStart;
        return new GenerationResult(prompt.length, output.tokens(), output.finish(), reason, prefillNanos, decodeNanos);
    }

    @Override
    public void close() {
        executor.close();
        model.close();
    }
}
