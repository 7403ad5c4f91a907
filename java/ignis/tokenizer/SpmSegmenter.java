package ignis.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * SentencePiece (BPE by score) segmentation of one piece of text, as llama.cpp's
 * {@code llm_tokenizer_spm_session}: the text starts as one symbol per code point in a linked
 * list; adjacent pairs whose concatenation is a vocabulary token wait in a priority queue, best
 * score first and leftmost first among equal scores; the best pair is merged and its new
 * neighbours queued, until no pair is left. Each final symbol is its token, or, where the text is
 * no token, one byte token per UTF-8 byte.
 *
 * <p>llama.cpp also keeps a reverse-merge table to split a final symbol that is no token; it can
 * never be used here (a merge only makes symbols that are tokens), so it is left out.
 */
final class SpmSegmenter {
    private record Bigram(int left, int right, float score, int size) {
    }

    // Higher score first; among equal scores the leftmost pair (llama.cpp's comparator).
    private static final Comparator<Bigram> BEST_FIRST = (a, b) -> {
        if (a.score > b.score) {
            return -1;
        }
        if (a.score < b.score) {
            return 1;
        }
        return Integer.compare(a.left, b.left);
    };

    private final Vocabulary vocabulary;
    private final String text;
    // The symbols: each spans text[start, start + length) (length 0 once merged away).
    private final int[] start;
    private final int[] length;
    private final int[] previous;
    private final int[] next;
    private final PriorityQueue<Bigram> queue = new PriorityQueue<>(BEST_FIRST);

    private SpmSegmenter(Vocabulary vocabulary, String text) {
        this.vocabulary = vocabulary;
        this.text = text;
        int count = text.codePointCount(0, text.length());
        start = new int[count];
        length = new int[count];
        previous = new int[count];
        next = new int[count];
        for (int i = 0, offset = 0; i < count; i++) {
            start[i] = offset;
            length[i] = Character.charCount(text.codePointAt(offset));
            offset += length[i];
            previous[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }
    }

    /** Appends the tokens of {@code text} (already whitespace-escaped) to {@code out}. */
    static void segment(Vocabulary vocabulary, String text, IntStream.Builder out) {
        if (!text.isEmpty()) {
            new SpmSegmenter(vocabulary, text).run(out);
        }
    }

    private void run(IntStream.Builder out) {
        for (int i = 1; i < start.length; i++) {
            queuePair(i - 1, i);
        }
        while (!queue.isEmpty()) {
            Bigram pair = queue.poll();
            int left = pair.left;
            int right = pair.right;
            // Skip pairs made stale by an earlier merge of one of their symbols.
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != pair.size) {
                continue;
            }
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                previous[next[right]] = left;
            }
            queuePair(previous[left], left);
            queuePair(left, next[left]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            emit(i, out);
        }
    }

    private void queuePair(int left, int right) {
        if (left == -1 || right == -1) {
            return;
        }
        int size = length[left] + length[right];
        int token = vocabulary.id(text.substring(start[left], start[left] + size));
        if (token != Tokenizer.NO_TOKEN) {
            queue.add(new Bigram(left, right, vocabulary.score(token), size));
        }
    }

    private void emit(int symbol, IntStream.Builder out) {
        String piece = text.substring(start[symbol], start[symbol] + length[symbol]);
        int token = vocabulary.id(piece);
        if (token != Tokenizer.NO_TOKEN) {
            out.add(token);
            return;
        }
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
            out.add(vocabulary.byteToken(b & 0xFF));
        }
    }
}
