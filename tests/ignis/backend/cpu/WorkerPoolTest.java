package ignis.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    @Test
    void everyIndexRunsExactlyOnceAcrossManyLoops() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int size : new int[] {1, 2, 7, 100, 1000, 4097}) {
                for (int rep = 0; rep < 50; rep++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(size);
                    pool.parallelFor(size, 1, (start, end, worker) -> {
                        assertTrue(worker >= 0 && worker < 3);
                        for (int i = start; i < end; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < size; i++) {
                        assertEquals(1, hits.get(i), "index " + i + " of " + size);
                    }
                }
            }
        }
    }

    @Test
    void failureInAWorkerReachesTheCallerAndThePoolKeepsWorking() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(1000, 1, (s, end, w) -> {
                if (s <= 500 && 500 < end) {
                    throw new IllegalStateException("boom at 500");
                }
            }));
            assertEquals("boom at 500", e.getMessage());
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            pool.parallelFor(10, 1, (s, end, w) -> {
                for (int i = s; i < end; i++) {
                    hits.incrementAndGet(i);
                }
            });
            for (int i = 0; i < 10; i++) {
                assertEquals(1, hits.get(i));
            }
        }
    }
}
