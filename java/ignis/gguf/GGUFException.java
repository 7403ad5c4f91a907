package ignis.gguf;

import ignis.IgnisException;

/** A GGUF file that cannot be read: the message names the file and the field at fault. */
public class GGUFException extends IgnisException {
    public GGUFException(String message) {
        super(message);
    }

    public GGUFException(String message, Throwable cause) {
        super(message, cause);
    }
}
