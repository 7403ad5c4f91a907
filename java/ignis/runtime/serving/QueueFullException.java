package ignis.runtime.serving;

import ignis.IgnisException;

/** The scheduler's waiting queue is full: retry later (HTTP 429 with Retry-After). */
public final class QueueFullException extends IgnisException {
    private final int retryAfterSeconds;

    public QueueFullException(int waiting, int retryAfterSeconds) {
        super("the server is busy: " + waiting + " requests are already waiting; retry in " + retryAfterSeconds + " s");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
