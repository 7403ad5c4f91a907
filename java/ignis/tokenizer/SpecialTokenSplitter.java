package ignis.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Splits text at the text of special tokens before segmentation, as llama.cpp's
 * {@code tokenizer_st_partition}: special tokens (control, user-defined, unknown) are taken longest
 * first (by UTF-8 length); each cuts every text fragment left so far at its non-overlapping
 * occurrences, left to right. Control and unknown tokens take part only when parsing special text.
 */
final class SpecialTokenSplitter {
    /** A piece of the text, or a special token found in it. */
    sealed interface Fragment {
    }

    /** The text {@code [start, end)} of the input, still to be segmented. */
    record Text(int start, int end) implements Fragment {
    }

    record Special(int token) implements Fragment {
    }

    private static final int SPECIAL = TokenAttributes.CONTROL | TokenAttributes.USER_DEFINED | TokenAttributes.UNKNOWN;

    private final Vocabulary vocabulary;
    private final int[] specialTokens;

    SpecialTokenSplitter(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        // llama.cpp sorts by length with an unstable sort; equal lengths keep id order here.
        this.specialTokens = IntStream.range(0, vocabulary.size())
                .filter(id -> vocabulary.has(id, SPECIAL))
                .boxed()
                .sorted(Comparator.comparingInt((Integer id) -> utf8Length(vocabulary.text(id))).reversed())
                .mapToInt(Integer::intValue)
                .toArray();
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The fragments of {@code text}, in order; none for empty text. */
    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Text(0, text.length()));
        for (int token : specialTokens) {
            if (parseSpecial || !vocabulary.has(token, TokenAttributes.CONTROL | TokenAttributes.UNKNOWN)) {
                fragments = splitAt(text, fragments, token);
            }
        }
        return fragments;
    }

    private List<Fragment> splitAt(String text, List<Fragment> fragments, int token) {
        String needle = vocabulary.text(token);
        boolean stripRight = vocabulary.has(token, TokenAttributes.RSTRIP);
        List<Fragment> result = new ArrayList<>(fragments.size());
        for (Fragment fragment : fragments) {
            if (!(fragment instanceof Text(int position, int end))) {
                result.add(fragment);
                continue;
            }
            while (position < end) {
                int match = text.indexOf(needle, position);
                if (match < 0 || match + needle.length() > end) {
                    break;
                }
                if (match > position) {
                    result.add(new Text(position, match));
                }
                result.add(new Special(token));
                position = match + needle.length();
                while (stripRight && position < end && isCSpace(text.charAt(position))) {
                    position++;
                }
            }
            if (position < end) {
                result.add(new Text(position, end));
            }
        }
        return result;
    }

    // C's isspace in the "C" locale, which llama.cpp applies byte by byte.
    private static boolean isCSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
