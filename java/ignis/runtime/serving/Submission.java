package ignis.runtime.serving;

/** A submitted sequence: cancel it to stop generating and free its KV blocks (a client went away). */
public interface Submission {

    long id();

    /** Stops the sequence at the next step; its listener then hears onComplete with reason CANCELLED. Idempotent. */
    void cancel();
}
