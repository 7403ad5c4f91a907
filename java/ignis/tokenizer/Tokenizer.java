package ignis.tokenizer;

import ignis.gguf.GGUFFile;

/**
 * Text to token ids and back, as llama.cpp does it for the model's vocabulary. Thread-safe.
 *
 * <p>Text is handled as UTF-8, the way the Java side of llama.cpp's bindings hands it over
 * ({@code String.getBytes(UTF_8)}): an unpaired surrogate becomes {@code '?'}.
 */
public interface Tokenizer {
    /** llama.cpp's LLAMA_TOKEN_NULL: no such token in this vocabulary. */
    int NO_TOKEN = -1;

    /**
     * The ids of {@code text}, as llama.cpp's {@code llama_tokenize(text, add_special, parse_special)}.
     *
     * @param addSpecial   add the tokens the vocabulary asks for around a whole prompt (BOS when
     *                     {@code tokenizer.ggml.add_bos_token}, default true for SentencePiece;
     *                     EOS when {@code tokenizer.ggml.add_eos_token}, default false)
     * @param parseSpecial read the text of control tokens (such as {@code <s>}, {@code </s>}) as
     *                     those tokens; when false they are tokenized as plain text. User-defined
     *                     tokens are always matched, as in llama.cpp.
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * A prompt's ids: {@code encode(text, true, true)}, what llama.cpp's CLI, {@code llama-simple}
     * and server do with a prompt (BOS added as the vocabulary asks, special token text parsed).
     */
    default int[] encode(String text) {
        return encode(text, true, true);
    }

    /**
     * The bytes {@code token} adds to output text: llama.cpp's {@code llama_token_to_piece(token,
     * lstrip 0, special false)}. U+2581 becomes a space, a byte token {@code <0xXX>} its byte,
     * control and unknown tokens nothing, user-defined tokens their text.
     */
    byte[] tokenBytes(int token);

    /**
     * The text of {@code tokens}: llama.cpp's {@code common_detokenize(tokens, special false)}, the
     * UTF-8 of the pieces with, where the vocabulary adds a space prefix, one leading space of the
     * first token dropped. Invalid UTF-8 (from byte tokens) decodes to U+FFFD.
     */
    String decode(int[] tokens);

    /** Whether encoding puts a space before the text (so decoding drops one from the first token). */
    boolean addsSpacePrefix();

    /** The beginning-of-sequence token, or {@link #NO_TOKEN}. */
    int bos();

    /** The end-of-sequence token, or {@link #NO_TOKEN}. */
    int eos();

    /** Whether generation stops at {@code token} (EOS, EOT, EOM and the end-of-turn tokens llama.cpp knows). */
    boolean isEndOfGeneration(int token);

    int vocabularySize();

    /** The vocabulary's text of token {@code id}, as stored (with U+2581 for spaces). */
    String tokenText(int id);

    /**
     * The tokenizer for the vocabulary of {@code file} (keys {@code tokenizer.ggml.*}). Only
     * {@code tokenizer.ggml.model = "llama"} (SentencePiece) is supported.
     *
     * @throws ignis.IgnisException naming the file and the key when the model is not supported or a
     *                              key is missing or of the wrong type
     */
    static Tokenizer fromGGUF(GGUFFile file) {
        return SpmVocabularyLoader.load(file);
    }
}
