package ignis.runtime;

/** Hears each generated token as it is produced, with the text it completes (may be empty). */
@FunctionalInterface
public interface TokenListener {
    void onToken(int token, String text);

    TokenListener NONE = (token, text) -> { };
}
