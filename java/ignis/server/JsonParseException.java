package ignis.server;

import ignis.IgnisException;

/** Text that is not valid JSON: the message says what was expected and at which character offset. */
public final class JsonParseException extends IgnisException {
    private final int offset;

    public JsonParseException(String message, int offset) {
        super(message);
        this.offset = offset;
    }

    /** Offset of the offending character (UTF-16 index into the text; byte index for bad UTF-8). */
    public int offset() {
        return offset;
    }
}
