package ignis.server.bench;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Closed-loop load: {@code concurrency} virtual-thread workers each send a request, wait for its
 * stream to end, and take the next, until all requests ran. So exactly that many are in flight
 * while work remains, the shape of a fixed pool of chat users (vLLM's benchmark_serving
 * --max-concurrency).
 */
public final class LoadGenerator {
    private final SseCompletionClient client;

    public LoadGenerator(SseCompletionClient client) {
        this.client = client;
    }

    /** Runs {@code plan}; {@code onDone} hears each result as it ends, from the worker threads. */
    public LoadResult run(LoadPlan plan, Consumer<RequestResult> onDone) {
        RequestResult[] results = new RequestResult[plan.requests()];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        int workers = Math.min(plan.concurrency(), plan.requests());
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < workers; w++) {
                pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < plan.requests(); i = next.getAndIncrement()) {
                        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                        RequestResult r;
                        try {
                            r = client.complete(i, plan.mix().get(i), plan.cancels(i) ? plan.cancelAfterTokens() : 0);
                        } finally {
                            inFlight.decrementAndGet();
                        }
                        results[i] = r;
                        onDone.accept(r);
                    }
                });
            }
        } // close() waits for every worker
        long wall = System.nanoTime() - start;
        List<RequestResult> list = Arrays.stream(results).toList();
        if (list.contains(null)) {
            throw new IllegalStateException("a load worker died before finishing its requests");
        }
        return new LoadResult(plan, list, wall, maxInFlight.get());
    }

    public LoadResult run(LoadPlan plan) {
        return run(plan, r -> {
        });
    }
}
