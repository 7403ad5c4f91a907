package ignis;

/** Base of every error Ignis reports to a user: the message names what was wrong and where. */
public class IgnisException extends RuntimeException {
    public IgnisException(String message) {
        super(message);
    }

    public IgnisException(String message, Throwable cause) {
        super(message, cause);
    }
}
