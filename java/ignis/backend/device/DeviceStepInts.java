package ignis.backend.device;

import ignis.backend.BatchStep;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A batched step's ints on the device, laid out as cuda-kernels/paged_kv.h says: positions, where
 * each token's block table starts, then each sequence's table up to its last position's block.
 * One small upload per step; the buffers grow as steps need.
 */
final class DeviceStepInts implements AutoCloseable {
    private final Device device;
    private final Arena arena = Arena.ofShared();
    private int[] ints = new int[0];
    private int[] tableStart = new int[0];
    private MemorySegment host;
    private DeviceBuffer buffer;
    private int capacity;
    /** The most flash-decoding splits a token of the last uploaded step needs. */
    int maxSplits;

    DeviceStepInts(Device device) {
        this.device = device;
    }

    DeviceBuffer buffer() {
        return buffer;
    }

    void upload(BatchStep step, int blockTokens) {
        int n = step.tokens();
        int sequences = step.sequences();
        if (tableStart.length < sequences) {
            tableStart = new int[sequences];
        }
        // Each sequence's blocks through its last position in this step.
        java.util.Arrays.fill(tableStart, 0, sequences, 0);
        int lastPosition = 0;
        for (int t = 0; t < n; t++) {
            int s = step.sequence[t];
            tableStart[s] = Math.max(tableStart[s], step.position[t] / blockTokens + 1);
            lastPosition = Math.max(lastPosition, step.position[t]);
        }
        int size = 2 * n;
        for (int s = 0; s < sequences; s++) {
            int blocks = tableStart[s];
            tableStart[s] = size;
            size += blocks;
        }
        if (ints.length < size) {
            ints = new int[Math.max(size, 2 * ints.length)];
        }
        for (int t = 0; t < n; t++) {
            ints[t] = step.position[t];
            ints[n + t] = tableStart[step.sequence[t]];
        }
        for (int s = 0; s < sequences; s++) {
            int blocks = (s + 1 < sequences ? tableStart[s + 1] : size) - tableStart[s];
            System.arraycopy(step.tables[s], 0, ints, tableStart[s], blocks);
        }
        ensureCapacity(size);
        MemorySegment.copy(ints, 0, host, ValueLayout.JAVA_INT, 0, size);
        device.upload(host.asSlice(0, (long) size * Integer.BYTES), buffer, 0);
        maxSplits = DeviceOps.attentionSplits(lastPosition + 1);
    }

    private void ensureCapacity(int size) {
        if (size <= capacity) {
            return;
        }
        int grown = Math.max(size, 2 * capacity);
        DeviceBuffer b = device.allocate((long) grown * Integer.BYTES, "batched step positions and block tables");
        if (buffer != null) {
            buffer.close();
        }
        buffer = b;
        host = arena.allocate((long) grown * Integer.BYTES, 16);
        capacity = grown;
    }

    @Override
    public void close() {
        if (buffer != null) {
            buffer.close();
            buffer = null;
        }
        arena.close();
    }
}
