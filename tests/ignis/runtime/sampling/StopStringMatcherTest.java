package ignis.runtime.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {

    @Test
    void textWithoutStopsPassesThrough() {
        StopStringMatcher matcher = new StopStringMatcher("</s>");
        assertEquals("Hello", matcher.feed("Hello"));
        assertEquals(", world", matcher.feed(", world"));
        assertEquals("", matcher.flush());
        assertFalse(matcher.stopped());
        assertNull(matcher.matchedStopString());
    }

    @Test
    void stopSplitAcrossPieces() {
        StopStringMatcher matcher = new StopStringMatcher("</s>");
        assertEquals("Hello", matcher.feed("Hello</"));
        assertFalse(matcher.stopped());
        assertEquals("", matcher.feed("s"));
        assertEquals("", matcher.feed(">world"));
        assertTrue(matcher.stopped());
        assertEquals("</s>", matcher.matchedStopString());
        assertEquals("", matcher.feed("more"));
        assertEquals("", matcher.flush());
    }

    @Test
    void falsePartialMatchIsReleased() {
        StopStringMatcher matcher = new StopStringMatcher("</s>");
        assertEquals("a", matcher.feed("a<"));
        assertEquals("</x", matcher.feed("/x"));
        assertEquals("b", matcher.feed("b<"));
        assertEquals("<", matcher.flush()); // end of generation: the held part is released
        assertFalse(matcher.stopped());
    }

    @Test
    void overlappingPrefixesKeepOnlyWhatMayStillMatch() {
        StopStringMatcher matcher = new StopStringMatcher("aab");
        assertEquals("", matcher.feed("a"));
        assertEquals("", matcher.feed("a"));
        assertEquals("a", matcher.feed("a")); // "aaa": only the last "aa" can still begin "aab"
        assertEquals("", matcher.feed("b"));
        assertTrue(matcher.stopped());
    }

    @Test
    void textAfterTheStopInTheSamePieceIsDropped() {
        StopStringMatcher matcher = new StopStringMatcher("STOP");
        assertEquals("foo ", matcher.feed("foo STOP bar"));
        assertTrue(matcher.stopped());
        assertEquals("", matcher.flush());
    }

    @Test
    void multipleStopStrings() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("\n\n", "User:"));
        assertEquals("Hi", matcher.feed("Hi"));
        assertEquals(" there", matcher.feed(" there\n"));
        assertEquals("\n", matcher.feed("Us")); // "\nUs" can no longer be "\n\n", "Us" may begin "User:"
        assertEquals("", matcher.feed("er: next"));
        assertEquals("User:", matcher.matchedStopString());

        StopStringMatcher other = new StopStringMatcher(List.of("\n\n", "User:"));
        assertEquals("Hi", other.feed("Hi\n"));
        assertEquals("", other.feed("\nUser:"));
        assertEquals("\n\n", other.matchedStopString());
    }

    @Test
    void stopsCompletedInOnePieceResolveToTheEarliestStart() {
        StopStringMatcher matcher = new StopStringMatcher("b", "ab");
        assertEquals("x", matcher.feed("xab"));
        assertEquals("ab", matcher.matchedStopString());
    }

    @Test
    void stopAtTheVeryStart() {
        StopStringMatcher matcher = new StopStringMatcher("###");
        assertEquals("", matcher.feed("###"));
        assertTrue(matcher.stopped());
        StopStringMatcher split = new StopStringMatcher("###");
        assertEquals("", split.feed("#"));
        assertEquals("", split.feed("##rest"));
        assertTrue(split.stopped());
        assertEquals("", split.flush());
    }

    @Test
    void unicodeStopsAndSurrogatePairs() {
        StopStringMatcher cjk = new StopStringMatcher("结束");
        assertEquals("好的", cjk.feed("好的结"));
        assertEquals("", cjk.feed("束了"));
        assertTrue(cjk.stopped());

        String stopSign = "\uD83D\uDED1"; // one code point, two chars
        StopStringMatcher emoji = new StopStringMatcher(stopSign);
        assertEquals("ok ", emoji.feed("ok \uD83D"));
        assertEquals("", emoji.feed("\uDED1 more"));
        assertTrue(emoji.stopped());

        // a pair split across pieces is never emitted half, even where no stop string could begin with it
        StopStringMatcher plain = new StopStringMatcher("END");
        assertEquals("a", plain.feed("a\uD83D"));
        assertEquals("\uD83D\uDE00b", plain.feed("\uDE00b"));
        assertEquals("caf", plain.feed("caf"));
        assertEquals("é ", plain.feed("é EN")); // "EN" held
        assertEquals("", plain.feed("D!"));
        assertTrue(plain.stopped());
    }

    @Test
    void anySplitOfTheTextEmitsExactlyTheTextBeforeTheStop() {
        SplittableRandom random = new SplittableRandom(17);
        String alphabet = "ab<>/";
        for (int trial = 0; trial < 500; trial++) {
            String stop = randomString(random, alphabet, 1 + random.nextInt(4));
            String text = randomString(random, alphabet, random.nextInt(40));
            int at = text.indexOf(stop);
            String expected = at >= 0 ? text.substring(0, at) : text;

            StopStringMatcher matcher = new StopStringMatcher(stop);
            StringBuilder emitted = new StringBuilder();
            for (String piece : randomSplit(random, text)) {
                emitted.append(matcher.feed(piece));
            }
            emitted.append(matcher.flush());
            String what = "stop '" + stop + "' in '" + text + "'";
            assertEquals(expected, emitted.toString(), what);
            assertEquals(at >= 0, matcher.stopped(), what);
        }
    }

    @Test
    void emptyOrNullStopStringsAreRejected() {
        IgnisException empty = assertThrows(IgnisException.class, () -> new StopStringMatcher("x", ""));
        assertTrue(empty.getMessage().contains("stop string #1 is empty"), empty.getMessage());
        IgnisException nul = assertThrows(IgnisException.class,
                () -> new StopStringMatcher(Arrays.asList("x", null)));
        assertTrue(nul.getMessage().contains("stop string #1 is null"), nul.getMessage());
        IgnisException nulVarargs = assertThrows(IgnisException.class, () -> new StopStringMatcher("x", null));
        assertTrue(nulVarargs.getMessage().contains("stop string #1 is null"), nulVarargs.getMessage());
        StopStringMatcher none = new StopStringMatcher(List.of());
        assertEquals("anything", none.feed("anything"));
    }

    private static String randomString(SplittableRandom random, String alphabet, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private static List<String> randomSplit(SplittableRandom random, String text) {
        List<String> pieces = new ArrayList<>();
        int from = 0;
        while (from < text.length()) {
            int to = Math.min(text.length(), from + 1 + random.nextInt(4));
            pieces.add(text.substring(from, to));
            from = to;
        }
        return pieces;
    }
}
