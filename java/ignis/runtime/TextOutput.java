package ignis.runtime;

import ignis.runtime.sampling.StopStringMatcher;
import ignis.tokenizer.StreamingDecoder;
import ignis.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Turns one sequence's generated tokens into streamed text, holding back what might begin a stop
 * string, and keeps the tokens and the text.
 */
public final class TextOutput {
    private final StreamingDecoder decoder;
    private final StopStringMatcher stops;
    private final TokenListener listener;
    private final StringBuilder text = new StringBuilder();
    private int[] tokens = new int[16];
    private int count;

    public TextOutput(Tokenizer tokenizer, List<String> stop, TokenListener listener) {
        this.decoder = StreamingDecoder.continuing(tokenizer);
        this.stops = new StopStringMatcher(stop);
        this.listener = listener;
    }

    /** Records {@code token} and tells the listener the text it releases; true when a stop string completed. */
    public boolean add(int token) {
        if (count == tokens.length) {
            tokens = Arrays.copyOf(tokens, count * 2);
        }
        tokens[count++] = token;
        String emitted = stops.feed(decoder.feed(token));
        text.append(emitted);
        listener.onToken(token, emitted);
        return stops.stopped();
    }

    public int count() {
        return count;
    }

    public int[] tokens() {
        return Arrays.copyOf(tokens, count);
    }

    /** Emits the text still held back (as token -1) and returns the whole output. */
    public String finish() {
        if (!stops.stopped()) {
            String rest = stops.feed(decoder.flush());
            rest += stops.flush();
            if (!rest.isEmpty()) {
                text.append(rest);
                listener.onToken(-1, rest);
            }
        }
        return text.toString();
    }
}
