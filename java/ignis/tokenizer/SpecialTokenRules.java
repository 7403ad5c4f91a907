package ignis.tokenizer;

import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * llama.cpp's recognition of special tokens by their text (in {@code llama_vocab::impl::load}),
 * for vocabularies whose metadata does not name them: end-of-turn, end-of-message and
 * fill-in-the-middle tokens, and the set of tokens that end generation. Tokens so recognised are
 * marked CONTROL, which makes them special text in {@link SpecialTokenSplitter}.
 *
 * <p>llama.cpp walks its hash map in no set order; here tokens are visited by ascending id, so
 * where several texts of one list are present the lowest id wins.
 */
final class SpecialTokenRules {
    static final List<String> END_OF_TURN = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    static final List<String> END_OF_MESSAGE = List.of("<|eom_id|>");
    static final List<String> FIM_PREFIX = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>",
            "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
    static final List<String> FIM_SUFFIX = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>",
            "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
    static final List<String> FIM_MIDDLE = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>",
            "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    static final List<String> FIM_PAD = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    static final List<String> FIM_REPO = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");
    static final List<String> FIM_FILE_SEPARATOR = List.of("<|file_sep|>");
    /** Texts of tokens that end generation wherever they are. */
    static final List<String> END_OF_GENERATION = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>",
            "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>",
            "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>",
            "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[");

    private final String[] texts;
    private final int[] attributes;

    /** Works on (and updates) {@code attributes}, indexed like {@code texts}. */
    SpecialTokenRules(String[] texts, int[] attributes) {
        this.texts = texts;
        this.attributes = attributes;
    }

    /**
     * The token {@code current} if set, else the first token whose text is in {@code candidates},
     * which becomes CONTROL; {@link Tokenizer#NO_TOKEN} if none.
     */
    int detect(int current, List<String> candidates) {
        if (current != Tokenizer.NO_TOKEN) {
            return current;
        }
        for (int id = 0; id < texts.length; id++) {
            if (candidates.contains(texts[id])) {
                attributes[id] |= TokenAttributes.CONTROL;
                return id;
            }
        }
        return Tokenizer.NO_TOKEN;
    }

    /** The end-of-generation set: the given ids (where set) and every token with an end-of-generation text. */
    BitSet endOfGeneration(int... ids) {
        BitSet set = new BitSet(texts.length);
        for (int id : ids) {
            if (id != Tokenizer.NO_TOKEN) {
                set.set(id);
            }
        }
        for (int id = 0; id < texts.length; id++) {
            if (END_OF_GENERATION.contains(texts[id])) {
                set.set(id);
                attributes[id] |= TokenAttributes.CONTROL;
            }
        }
        return set;
    }

    /**
     * llama.cpp's fix-up for Phi-3 models (by {@code general.name}): whitespace after special tokens
     * is dropped, except after {@code <unk>}, {@code <s>} and {@code <|endoftext|>}.
     */
    void applyModelQuirks(String modelName) {
        String name = modelName.toLowerCase(Locale.ROOT);
        if (!name.contains("phi-3") && !name.contains("phi3")) {
            return;
        }
        for (int id = 0; id < texts.length; id++) {
            int special = TokenAttributes.CONTROL | TokenAttributes.USER_DEFINED | TokenAttributes.UNKNOWN;
            boolean keep = List.of("<unk>", "<s>", "<|endoftext|>").contains(texts[id]);
            if (!keep && ((attributes[id] & special) != 0 || texts[id].equals("</s>"))) {
                attributes[id] |= TokenAttributes.RSTRIP;
            }
        }
    }
}
