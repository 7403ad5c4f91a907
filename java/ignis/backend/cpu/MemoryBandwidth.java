package ignis.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures the host's sustained read bandwidth the way decode uses memory: all threads streaming
 * through a buffer far larger than the last-level cache. The roofline of decode is this figure
 * divided by the bytes one token reads.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private MemoryBandwidth() {
    }

    /** Best of {@code reps} full reads of a {@code megabytes} buffer with {@code threads} threads, in bytes/s. */
    public static double measure(int megabytes, int threads, int reps) {
        long bytes = (long) megabytes << 20;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(threads)) {
            MemorySegment buffer = arena.allocate(bytes, 4096);
            buffer.fill((byte) 1);
            int chunks = (int) (bytes >> 20);
            double[] sink = new double[threads];
            double best = 0;
            for (int r = 0; r < reps; r++) {
                long start = System.nanoTime();
                pool.parallelFor(chunks, 1, (s, e, worker) -> sink[worker] += sum(buffer, (long) s << 20, (long) (e - s) << 20));
                double seconds = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, bytes / seconds);
            }
            if (Double.isNaN(sink[0])) {
                throw new IllegalStateException("unreachable: keeps the reads alive");
            }
            return best;
        }
    }

    private static float sum(MemorySegment s, long offset, long length) {
        FloatVector acc = FloatVector.zero(F);
        long step = F.vectorByteSize();
        for (long i = 0; i < length; i += step) {
            acc = acc.add(FloatVector.fromMemorySegment(F, s, offset + i, ByteOrder.LITTLE_ENDIAN));
        }
        return acc.reduceLanes(VectorOperators.ADD) + s.get(ValueLayout.JAVA_BYTE, offset);
    }
}
