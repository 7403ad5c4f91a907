package ignis.runtime.serving;

import ignis.runtime.GenerationResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A listener that keeps what it hears and lets a test wait for the end. */
public final class Collector implements SequenceListener {
    public final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    final CopyOnWriteArrayList<Integer> tokens = new CopyOnWriteArrayList<>();
    final StringBuilder text = new StringBuilder();
    final CountDownLatch firstToken = new CountDownLatch(1);

    @Override
    public synchronized void onToken(int token, String piece) {
        if (token >= 0) {
            tokens.add(token);
        }
        text.append(piece);
        firstToken.countDown();
    }

    @Override
    public void onComplete(GenerationResult r) {
        result.complete(r);
    }

    @Override
    public void onError(RuntimeException error) {
        result.completeExceptionally(error);
    }

    GenerationResult await() {
        try {
            return result.get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the sequence did not complete: " + e, e);
        }
    }
}
