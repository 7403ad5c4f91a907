package ignis.model;

import ignis.gguf.GGUFFile;
import java.nio.file.Path;

/** A llama-architecture model over a memory-mapped GGUF file. Closing it unmaps the weights. */
public final class LlamaModel implements AutoCloseable {
    private final GGUFFile file;
    private final LlamaConfig config;
    private final LlamaWeights weights;

    private LlamaModel(GGUFFile file, LlamaConfig config, LlamaWeights weights) {
        this.file = file;
        this.config = config;
        this.weights = weights;
    }

    /** Opens {@code path}; {@code listener} hears each block as its tensors are checked (for progress bars). */
    public static LlamaModel load(Path path, LoadListener listener) {
        GGUFFile file = GGUFFile.open(path);
        try {
            LlamaConfig config = LlamaConfig.fromGGUF(file);
            return new LlamaModel(file, config, LlamaWeights.fromGGUF(file, config, listener));
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public static LlamaModel load(Path path) {
        return load(path, LoadListener.NONE);
    }

    public GGUFFile file() {
        return file;
    }

    public LlamaConfig config() {
        return config;
    }

    public LlamaWeights weights() {
        return weights;
    }

    /** Bytes of all weight tensors (what one decoded token reads, plus the KV cache). */
    public long weightBytes() {
        return file.tensorInfos().stream().mapToLong(t -> t.byteSize()).sum();
    }

    @Override
    public void close() {
        file.close();
    }
}
