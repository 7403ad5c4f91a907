package ignis.model;

import ignis.IgnisException;
import ignis.gguf.GGUFFile;

/**
 * Hyper-parameters of a llama-architecture model (Llama 2/3, Mistral, TinyLlama) as GGUF stores
 * them under the {@code llama.} prefix.
 */
public record LlamaConfig(
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffn,
        int vocabSize,
        int contextLength,
        float ropeBase,
        float rmsEps) {

    public static final String ARCHITECTURE = "llama";

    public LlamaConfig {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IgnisException("attention.head_count (" + heads + ") must be a positive multiple of head_count_kv (" + kvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IgnisException("head dimension " + headDim + " must be even for RoPE");
        }
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public int queryDim() {
        return heads * headDim;
    }

    /** Query heads that share one key/value head (grouped-query attention). */
    public int groupSize() {
        return heads / kvHeads;
    }

    /** Reads the config; an architecture other than llama is an error naming it and the file. */
    public static LlamaConfig fromGGUF(GGUFFile f) {
        String arch = f.getString("general.architecture");
        if (!ARCHITECTURE.equals(arch)) {
            throw new IgnisException(f.path() + ": unsupported architecture '" + arch + "' (general.architecture); supported: llama");
        }
        int dim = f.getInt("llama.embedding_length", 1, 1 << 20);
        int heads = f.getInt("llama.attention.head_count", 1, 1 << 12);
        int kvHeads = f.has("llama.attention.head_count_kv") ? f.getInt("llama.attention.head_count_kv", 1, heads) : heads;
        int headDim = f.has("llama.attention.key_length") ? f.getInt("llama.attention.key_length", 2, 1 << 12) : dim / heads;
        int ropeDim = f.has("llama.rope.dimension_count") ? f.getInt("llama.rope.dimension_count", 2, 1 << 12) : headDim;
        if (ropeDim != headDim) {
            throw new IgnisException(f.path() + ": llama.rope.dimension_count " + ropeDim + " != head dimension " + headDim + " (partial RoPE is not supported)");
        }
        String vocabKey = "tokenizer.ggml.tokens";
        int vocab = f.has("llama.vocab_size") ? f.getInt("llama.vocab_size", 1, 1 << 24) : f.value(vocabKey).arrayLength();
        return new LlamaConfig(
                dim,
                f.getInt("llama.block_count", 1, 1 << 12),
                heads,
                kvHeads,
                headDim,
                f.getInt("llama.feed_forward_length", 1, 1 << 22),
                vocab,
                f.getInt("llama.context_length", 1, 1 << 24),
                f.getFloat("llama.rope.freq_base", 10000f),
                f.getFloat("llama.attention.layer_norm_rms_epsilon", 1e-5f));
    }
}
