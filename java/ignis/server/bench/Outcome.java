package ignis.server.bench;

/** How one benchmark request ended; the report counts each kind separately. */
public enum Outcome {
    /** The stream ended with a finish reason or [DONE]. */
    OK,
    /** The client closed the stream on purpose after some tokens (a client that goes away). */
    CANCELLED,
    /** The server answered 429: its queue was full. Not an error of the server, a limit. */
    REJECTED,
    /** Anything else: non-2xx, connection error, an error chunk, a stream cut short, a timeout. */
    FAILED
}
