package ignis.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
            sink[0] = warmUp(buffer);
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

    /**
     * Runs the read loop on a cached slice until C2 has compiled it: the timed reads are few, and
     * interpreted they measured a tenth of the real figure.
     */
    private static double warmUp(MemorySegment buffer) {
        double sink = 0;
        for (int i = 0; i < 20_000; i++) {
            sink += sum(buffer, 0, 16 << 10);
        }
        return sink;
    }

    /** Sums the floats of a range whose length is a multiple of 4 vectors; four chains, so the adds never limit the reads. */
    private static float sum(MemorySegment s, long offset, long length) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        long step = F.vectorByteSize();
        for (long i = offset; i < offset + length; i += 4 * step) {
            acc0 = acc0.add(FloatVector.fromMemorySegment(F, s, i, ByteOrder.LITTLE_ENDIAN));
            acc1 = acc1.add(FloatVector.fromMemorySegment(F, s, i + step, ByteOrder.LITTLE_ENDIAN));
            acc2 = acc2.add(FloatVector.fromMemorySegment(F, s, i + 2 * step, ByteOrder.LITTLE_ENDIAN));
            acc3 = acc3.add(FloatVector.fromMemorySegment(F, s, i + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    }
}
