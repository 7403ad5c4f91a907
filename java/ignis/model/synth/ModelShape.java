package ignis.model.synth;

import ignis.IgnisException;
import java.util.List;
import java.util.Locale;

/**
 * The hyperparameters of a llama-architecture model. {@code ropeScaling} is null when the model
 * uses plain RoPE. Invalid combinations are rejected with a message naming the field.
 */
public record ModelShape(int dim, int layers, int heads, int kvHeads, int ffn, int vocabSize, int contextLength,
        float ropeBase, float rmsEps, boolean tiedEmbeddings, Llama3RopeScaling ropeScaling) {

    public static final ModelShape TINY = new ModelShape(256, 4, 8, 4, 768, 32000, 2048, 10000f, 1e-5f, false, null);
    /** The llama2.c stories110M configuration. */
    public static final ModelShape M110 = new ModelShape(768, 12, 12, 12, 2048, 32000, 1024, 10000f, 1e-5f, false, null);
    public static final ModelShape LLAMA3_2_1B = new ModelShape(2048, 16, 32, 8, 8192, 128256, 131072, 500000f, 1e-5f, true,
            Llama3RopeScaling.LLAMA_3_2);
    public static final ModelShape LLAMA3_8B = new ModelShape(4096, 32, 32, 8, 14336, 128256, 8192, 500000f, 1e-5f, false, null);

    private static final List<String> NAMES = List.of("tiny", "110m", "llama3.2-1b", "llama3-8b");

    public ModelShape {
        positive("dim", dim);
        positive("layers", layers);
        positive("heads", heads);
        positive("kv heads", kvHeads);
        positive("ffn", ffn);
        positive("vocab size", vocabSize);
        positive("context length", contextLength);
        if (dim % heads != 0 || (dim / heads) % 2 != 0) {
            throw new IgnisException("model shape: dim " + dim + " must split into " + heads + " heads of an even size");
        }
        if (heads % kvHeads != 0) {
            throw new IgnisException("model shape: heads " + heads + " is not a multiple of kv heads " + kvHeads);
        }
        if (!(ropeBase > 1) || !Float.isFinite(ropeBase)) {
            throw new IgnisException("model shape: rope base must be a finite number > 1, got " + ropeBase);
        }
        if (!(rmsEps > 0) || !(rmsEps < 1)) {
            throw new IgnisException("model shape: rms epsilon must be in (0, 1), got " + rmsEps);
        }
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IgnisException("model shape: " + field + " must be positive, got " + value);
        }
    }

    /** The shape named {@code name}: one of {@link #names()}. */
    public static ModelShape named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny" -> TINY;
            case "110m" -> M110;
            case "llama3.2-1b" -> LLAMA3_2_1B;
            case "llama3-8b" -> LLAMA3_8B;
            default -> throw new IgnisException("unknown model shape '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        };
    }

    public static List<String> names() {
        return NAMES;
    }

    public int headDim() {
        return dim / heads;
    }

    /** Width of the K and V projections. */
    public int kvDim() {
        return kvHeads * headDim();
    }

    public ModelShape withVocabSize(int size) {
        return new ModelShape(dim, layers, heads, kvHeads, ffn, size, contextLength, ropeBase, rmsEps, tiedEmbeddings, ropeScaling);
    }

    /** Trainable weights (as published model sizes count them: rope frequency factors are not weights). */
    public long parameterCount() {
        long perLayer = 2L * dim + (long) dim * dim * 2 + (long) dim * kvDim() * 2 + 3L * dim * ffn;
        long embeddings = (long) dim * vocabSize * (tiedEmbeddings ? 1 : 2);
        return embeddings + dim + layers * perLayer;
    }

    /** A compact description such as {@code d256-l4-h8-kv4-ffn768-v32000-ctx2048}. */
    public String describe() {
        return "d" + dim + "-l" + layers + "-h" + heads + "-kv" + kvHeads + "-ffn" + ffn + "-v" + vocabSize + "-ctx" + contextLength
                + (tiedEmbeddings ? "-tied" : "") + (ropeScaling != null ? "-llama3rope" : "");
    }
}
