package ignis.runtime.serving;

import ignis.runtime.GenerationResult;

/**
 * Hears one submitted sequence. Called on the scheduler's thread: return quickly (hand the
 * events to another thread to write them to a slow client). Exactly one of {@link #onComplete}
 * and {@link #onError} ends every submission, cancelled ones included.
 */
public interface SequenceListener {

    /** A generated token and the text it completes (may be empty; token -1 carries held-back text at the end). */
    void onToken(int token, String text);

    /** The sequence finished (its stop reason says why; {@link GenerationResult.StopReason#CANCELLED} after a cancel). */
    void onComplete(GenerationResult result);

    /** The sequence failed; other sequences are not affected. */
    void onError(RuntimeException error);
}
