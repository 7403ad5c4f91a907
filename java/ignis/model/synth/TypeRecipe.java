package ignis.model.synth;

import ignis.IgnisException;
import ignis.tensor.GGMLType;
import java.util.Locale;

/**
 * Which type each weight matrix of a model gets (norms and rope factors are always F32). Either one
 * type for every matrix, or llama.cpp's Q4_K_M mix: Q4_K, with Q6_K for the output matrix (the
 * token embeddings when they are tied) and for attn_v and ffn_down of the layers llama.cpp's
 * {@code use_more_bits} picks.
 */
public final class TypeRecipe {
    public static final TypeRecipe Q4_K_M = new TypeRecipe("Q4_K_M", GGMLType.Q4_K, 15);

    private final String name;
    private final GGMLType base;
    private final int fileType;

    private TypeRecipe(String name, GGMLType base, int fileType) {
        this.name = name;
        this.base = base;
        this.fileType = fileType;
    }

    /** Every matrix in {@code type}. */
    public static TypeRecipe uniform(GGMLType type) {
        return new TypeRecipe(type.name(), type, fileTypeOf(type));
    }

    /** "Q4_K_M", or the name of a single type such as "q8_0". */
    public static TypeRecipe parse(String name) {
        return name.trim().equalsIgnoreCase(Q4_K_M.name) ? Q4_K_M : uniform(GGMLType.parse(name));
    }

    public String name() {
        return name;
    }

    /** llama.cpp's {@code llama_ftype} for general.file_type. */
    public int fileType() {
        return fileType;
    }

    /** The type of the matrix {@code role} ("token_embd", "output", "attn_q", ..., "ffn_down") of {@code layer}. */
    public GGMLType matrixType(String role, int layer, ModelShape shape) {
        if (this != Q4_K_M) {
            return base;
        }
        boolean outputMatrix = role.equals("output") || (role.equals("token_embd") && shape.tiedEmbeddings());
        boolean moreBits = (role.equals("attn_v") || role.equals("ffn_down")) && useMoreBits(layer, shape.layers());
        return outputMatrix || moreBits ? GGMLType.Q6_K : GGMLType.Q4_K;
    }

    /** llama.cpp's choice of layers that get more bits: the first and last eighth, and every third in between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    private static int fileTypeOf(GGMLType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q2_K -> 10;
            case Q3_K -> 11; // Q3_K_S: every matrix Q3_K
            case Q4_K -> 14; // Q4_K_S
            case Q5_K -> 16; // Q5_K_S
            case Q6_K -> 18;
            case IQ4_NL -> 25;
            case IQ4_XS -> 30;
            case BF16 -> 32;
            default -> throw new IgnisException("type " + type + " cannot be used for model weights "
                    + "(use F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K..Q6_K, IQ4_NL, IQ4_XS or Q4_K_M)");
        };
    }

    @Override
    public String toString() {
        return name.toLowerCase(Locale.ROOT);
    }
}
