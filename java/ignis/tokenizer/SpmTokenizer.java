package ignis.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.stream.IntStream;

/** The tokenizer of a SentencePiece ("llama") vocabulary, as llama.cpp's LLAMA_VOCAB_TYPE_SPM. */
final class SpmTokenizer implements Tokenizer {
    /** SentencePiece's stand-in for a space in token text (U+2581 LOWER ONE EIGHTH BLOCK). */
    static final char SPACE_MARK = '\u2581';

    private static final byte[] NOTHING = new byte[0];

    /** What the vocabulary's metadata says about special tokens and spacing. */
    record Options(int bos, int eos, boolean addBos, boolean addEos, boolean addSpacePrefix, BitSet endOfGeneration) {
    }

    private final Vocabulary vocabulary;
    private final Options options;
    private final SpecialTokenSplitter splitter;
    private final byte[][] pieces;

    SpmTokenizer(Vocabulary vocabulary, Options options) {
        this.vocabulary = vocabulary;
        this.options = options;
        this.splitter = new SpecialTokenSplitter(vocabulary);
        this.pieces = new byte[vocabulary.size()][];
        for (int id = 0; id < pieces.length; id++) {
            pieces[id] = piece(id);
        }
    }

    // llama.cpp's token_to_piece(special = false).
    private byte[] piece(int id) {
        if (vocabulary.has(id, TokenAttributes.CONTROL | TokenAttributes.UNKNOWN)) {
            return NOTHING;
        }
        if (vocabulary.has(id, TokenAttributes.USER_DEFINED)) {
            return vocabulary.text(id).getBytes(StandardCharsets.UTF_8);
        }
        if (vocabulary.has(id, TokenAttributes.NORMAL)) {
            return vocabulary.text(id).replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
        }
        if (vocabulary.has(id, TokenAttributes.BYTE)) {
            return new byte[] {(byte) vocabulary.byteValue(id)};
        }
        return NOTHING; // unused and undefined tokens show nothing
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        String utf8Text = asUtf8Would(text);
        IntStream.Builder out = IntStream.builder();
        if (addSpecial && options.addBos()) {
            out.add(options.bos());
        }
        boolean afterSpecial = true; // the text's start counts as following a special token
        for (SpecialTokenSplitter.Fragment fragment : splitter.split(utf8Text, parseSpecial)) {
            switch (fragment) {
                case SpecialTokenSplitter.Special(int token) -> {
                    out.add(token);
                    afterSpecial = true;
                }
                case SpecialTokenSplitter.Text(int start, int end) -> {
                    String piece = utf8Text.substring(start, end);
                    if (options.addSpacePrefix() && afterSpecial) {
                        piece = " " + piece;
                    }
                    SpmSegmenter.segment(vocabulary, piece.replace(' ', SPACE_MARK), out);
                    afterSpecial = false;
                }
            }
        }
        if (addSpecial && options.addEos()) {
            out.add(options.eos());
        }
        return out.build().toArray();
    }

    // The text llama.cpp sees: Java's UTF-8 encoder turns each unpaired surrogate into '?'.
    private static String asUtf8Would(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isSurrogate(text.charAt(i))) {
                return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            }
        }
        return text;
    }

    @Override
    public byte[] tokenBytes(int token) {
        return pieces[vocabulary.checkId(token)].clone();
    }

    @Override
    public String decode(int[] tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < tokens.length; i++) {
            byte[] piece = pieces[vocabulary.checkId(tokens[i])];
            // llama_detokenize drops one leading space, of the first token only.
            int skip = i == 0 && options.addSpacePrefix() && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
            bytes.write(piece, skip, piece.length - skip);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public boolean addsSpacePrefix() {
        return options.addSpacePrefix();
    }

    @Override
    public int bos() {
        return options.bos();
    }

    @Override
    public int eos() {
        return options.eos();
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return token >= 0 && options.endOfGeneration().get(token);
    }

    @Override
    public int vocabularySize() {
        return vocabulary.size();
    }

    @Override
    public String tokenText(int id) {
        return vocabulary.text(id);
    }
}
