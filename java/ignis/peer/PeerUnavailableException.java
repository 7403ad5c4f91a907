package ignis.peer;

import ignis.IgnisException;

/** llama.cpp's library cannot be used: the message says where Ignis looked and how to fix it. */
public final class PeerUnavailableException extends IgnisException {
    public PeerUnavailableException(String message) {
        super(message);
    }
}
