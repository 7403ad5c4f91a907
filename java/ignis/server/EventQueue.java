package ignis.server;

import ignis.runtime.GenerationResult;
import ignis.runtime.serving.SequenceListener;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The events of one request's sequences, handed from the scheduler's thread (which must never
 * wait on a client's socket) to the request's handler thread, which writes them out. Unbounded:
 * a sequence produces at most max_tokens events, and a stalled client is cancelled, not waited on.
 */
final class EventQueue {

    /** Events of a choice (a sequence index within the request) and the client's leaving. */
    sealed interface Event permits Token, Done, Failed, HungUp {
    }

    /** Text a token released (never empty: empty releases are not queued). */
    record Token(int choice, String text) implements Event {
    }

    record Done(int choice, GenerationResult result) implements Event {
    }

    record Failed(int choice, RuntimeException error) implements Event {
    }

    /** The client closed its connection: the request's sequences are to be cancelled. */
    record HungUp() implements Event {
    }

    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();

    /** The listener for choice {@code choice}'s sequence. */
    SequenceListener listener(int choice) {
        return new SequenceListener() {
            @Override
            public void onToken(int token, String text) {
                if (!text.isEmpty()) {
                    queue.add(new Token(choice, text));
                }
            }

            @Override
            public void onComplete(GenerationResult result) {
                queue.add(new Done(choice, result));
            }

            @Override
            public void onError(RuntimeException error) {
                queue.add(new Failed(choice, error));
            }
        };
    }

    /** Tells the handler that its client left (from the connection's reading thread). */
    void hangUp() {
        queue.add(new HungUp());
    }

    /** The next event, or null after {@code millis} without one. */
    Event poll(long millis) throws InterruptedException {
        return queue.poll(millis, TimeUnit.MILLISECONDS);
    }

    Event take() throws InterruptedException {
        return queue.take();
    }
}
