package ignis.tokenizer;

/** llama.cpp's token attribute bits ({@code llama_token_attr}), the subset Ignis uses. */
final class TokenAttributes {
    static final int UNDEFINED = 0;
    static final int UNKNOWN = 1;
    static final int UNUSED = 1 << 1;
    static final int NORMAL = 1 << 2;
    static final int CONTROL = 1 << 3;
    static final int USER_DEFINED = 1 << 4;
    static final int BYTE = 1 << 5;
    /** Whitespace after this special token is dropped when it is matched in text. */
    static final int RSTRIP = 1 << 8;

    private TokenAttributes() {
    }

    /** The attributes of a GGUF {@code tokenizer.ggml.token_type} value; unknown values are UNDEFINED. */
    static int fromGgufType(int type) {
        return switch (type) {
            case 1 -> NORMAL;
            case 2 -> UNKNOWN;
            case 3 -> CONTROL;
            case 4 -> USER_DEFINED;
            case 5 -> UNUSED;
            case 6 -> BYTE;
            default -> UNDEFINED;
        };
    }
}
