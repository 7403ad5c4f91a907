package ignis.tokenizer;

import ignis.IgnisException;
import ignis.gguf.GGUFException;
import ignis.gguf.GGUFFile;
import ignis.gguf.GGUFValue;
import ignis.gguf.GGUFValueType;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/** Reads a GGUF file's {@code tokenizer.ggml.*} metadata into a tokenizer, as llama.cpp's vocabulary loader. */
final class SpmVocabularyLoader {
    static final String MODEL = "tokenizer.ggml.model";
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String SCORES = "tokenizer.ggml.scores";
    static final String TOKEN_TYPES = "tokenizer.ggml.token_type";
    static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    static final String ADD_EOS = "tokenizer.ggml.add_eos_token";
    static final String ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";
    static final String BOS_ID = "tokenizer.ggml.bos_token_id";
    static final String EOS_ID = "tokenizer.ggml.eos_token_id";
    static final String EOT_ID = "tokenizer.ggml.eot_token_id";
    static final String EOM_ID = "tokenizer.ggml.eom_token_id";
    static final String FIM_PRE_ID = "tokenizer.ggml.fim_pre_token_id";
    static final String FIM_SUF_ID = "tokenizer.ggml.fim_suf_token_id";
    static final String FIM_MID_ID = "tokenizer.ggml.fim_mid_token_id";
    static final String FIM_PAD_ID = "tokenizer.ggml.fim_pad_token_id";
    static final String FIM_REP_ID = "tokenizer.ggml.fim_rep_token_id";
    static final String FIM_SEP_ID = "tokenizer.ggml.fim_sep_token_id";
    // Older names of the first three fill-in-the-middle tokens, still read by llama.cpp.
    static final String PREFIX_ID = "tokenizer.ggml.prefix_token_id";
    static final String SUFFIX_ID = "tokenizer.ggml.suffix_token_id";
    static final String MIDDLE_ID = "tokenizer.ggml.middle_token_id";
    static final String SUPPORTED_MODEL = "llama";

    private final GGUFFile file;
    private final String[] texts;

    private SpmVocabularyLoader(GGUFFile file, String[] texts) {
        this.file = file;
        this.texts = texts;
    }

    static Tokenizer load(GGUFFile file) {
        String model = file.getString(MODEL);
        if (!model.equals(SUPPORTED_MODEL)) {
            throw new IgnisException(file.path() + ": tokenizer model '" + model + "' (metadata '" + MODEL
                    + "') is not supported; Ignis reads only '" + SUPPORTED_MODEL + "' (SentencePiece) vocabularies");
        }
        String[] stored = (String[]) file.getArray(TOKENS, GGUFValueType.STRING);
        if (stored.length == 0) {
            throw new GGUFException(file.path() + ": metadata '" + TOKENS + "' holds no tokens");
        }
        return new SpmVocabularyLoader(file, stored.clone()).build();
    }

    private Tokenizer build() {
        Map<String, Integer> ids = indexTexts();
        float[] scores = readScores();
        int[] attributes = readAttributes();

        SpecialTokenRules rules = new SpecialTokenRules(texts, attributes);
        int bos = specialId(BOS_ID, 1);
        int eos = specialId(EOS_ID, 2);
        int eot = rules.detect(specialId(EOT_ID, Tokenizer.NO_TOKEN), SpecialTokenRules.END_OF_TURN);
        int eom = rules.detect(specialId(EOM_ID, Tokenizer.NO_TOKEN), SpecialTokenRules.END_OF_MESSAGE);
        // llama.cpp reads the older key after the newer one, so the older wins where both are set.
        rules.detect(specialId(PREFIX_ID, specialId(FIM_PRE_ID, Tokenizer.NO_TOKEN)), SpecialTokenRules.FIM_PREFIX);
        rules.detect(specialId(SUFFIX_ID, specialId(FIM_SUF_ID, Tokenizer.NO_TOKEN)), SpecialTokenRules.FIM_SUFFIX);
        rules.detect(specialId(MIDDLE_ID, specialId(FIM_MID_ID, Tokenizer.NO_TOKEN)), SpecialTokenRules.FIM_MIDDLE);
        int fimPad = rules.detect(specialId(FIM_PAD_ID, Tokenizer.NO_TOKEN), SpecialTokenRules.FIM_PAD);
        int fimRepo = rules.detect(specialId(FIM_REP_ID, Tokenizer.NO_TOKEN), SpecialTokenRules.FIM_REPO);
        int fimSeparator = rules.detect(specialId(FIM_SEP_ID, Tokenizer.NO_TOKEN), SpecialTokenRules.FIM_FILE_SEPARATOR);
        BitSet endOfGeneration = rules.endOfGeneration(eos, eot, eom, fimPad, fimRepo, fimSeparator);
        rules.applyModelQuirks(file.getString("general.name", ""));

        boolean addBos = file.getBool(ADD_BOS, true);
        boolean addEos = file.getBool(ADD_EOS, false);
        requireToken(addBos, bos, ADD_BOS, BOS_ID);
        requireToken(addEos, eos, ADD_EOS, EOS_ID);
        SpmTokenizer.Options options = new SpmTokenizer.Options(
                bos, eos, addBos, addEos, file.getBool(ADD_SPACE_PREFIX, true), endOfGeneration);
        return new SpmTokenizer(new Vocabulary(texts, scores, attributes, ids), options);
    }

    private void requireToken(boolean wanted, int token, String flagKey, String idKey) {
        if (wanted && token == Tokenizer.NO_TOKEN) {
            String why = file.has(flagKey)
                    ? "metadata '" + flagKey + "' is true"
                    : "'" + flagKey + "' is absent (default true)";
            throw new GGUFException(file.path() + ": " + why + ", but '" + idKey + "' names no token of the vocabulary");
        }
    }

    private Map<String, Integer> indexTexts() {
        Map<String, Integer> ids = new HashMap<>(texts.length * 2);
        for (int id = 0; id < texts.length; id++) {
            if (texts[id].isEmpty()) {
                texts[id] = "[EMPTY_" + id + "]"; // llama.cpp's name for an empty token
            }
            Integer earlier = ids.putIfAbsent(texts[id], id);
            if (earlier != null) {
                throw new GGUFException(file.path() + ": metadata '" + TOKENS + "': token '" + texts[id]
                        + "' appears twice (ids " + earlier + " and " + id + ")");
            }
        }
        return ids;
    }

    // Float or integer scores; all 0 when absent.
    private float[] readScores() {
        float[] scores = new float[texts.length];
        if (!file.has(SCORES)) {
            return scores;
        }
        GGUFValue value = file.value(SCORES);
        if (value.type() == GGUFValueType.ARRAY && value.elementType() == GGUFValueType.INT32) {
            int[] integers = (int[]) value.value();
            checkLength(SCORES, integers.length);
            for (int i = 0; i < scores.length; i++) {
                scores[i] = integers[i];
            }
            return scores;
        }
        float[] floats = (float[]) file.getArray(SCORES, GGUFValueType.FLOAT32);
        checkLength(SCORES, floats.length);
        System.arraycopy(floats, 0, scores, 0, scores.length);
        return scores;
    }

    // Attributes from the token types; all NORMAL when absent.
    private int[] readAttributes() {
        int[] attributes = new int[texts.length];
        if (!file.has(TOKEN_TYPES)) {
            Arrays.fill(attributes, TokenAttributes.NORMAL);
            return attributes;
        }
        int[] types = (int[]) file.getArray(TOKEN_TYPES, GGUFValueType.INT32);
        checkLength(TOKEN_TYPES, types.length);
        for (int i = 0; i < attributes.length; i++) {
            attributes[i] = TokenAttributes.fromGgufType(types[i]);
        }
        return attributes;
    }

    private void checkLength(String key, int length) {
        if (length < texts.length) {
            throw new GGUFException(file.path() + ": metadata '" + key + "' has " + length + " entries for "
                    + texts.length + " tokens");
        }
    }

    /**
     * The token id stored at {@code key}, else {@code fallback}. As in llama.cpp, an id outside the
     * vocabulary is ignored (the fallback stays) and a fallback outside it means no token.
     */
    private int specialId(String key, int fallback) {
        int result = fallback >= texts.length ? Tokenizer.NO_TOKEN : fallback;
        if (file.has(key)) {
            long id = file.getLong(key);
            if (id >= 0 && id < texts.length) {
                result = (int) id;
            }
        }
        return result;
    }
}
