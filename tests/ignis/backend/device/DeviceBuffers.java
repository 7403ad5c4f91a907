package ignis.backend.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/** Test helpers moving arrays to and from device buffers (through native staging memory). */
final class DeviceBuffers {
    private DeviceBuffers() {
    }

    static DeviceBuffer floats(Device d, float[] values, String purpose) {
        return DeviceWeights.uploaded(d, values, purpose);
    }

    /** A buffer of {@code n} floats, all NaN, so a kernel that skips an output is caught. */
    static DeviceBuffer poisoned(Device d, int n, String purpose) {
        float[] nan = new float[n];
        Arrays.fill(nan, Float.NaN);
        return floats(d, nan, purpose);
    }

    static DeviceBuffer ints(Device d, int[] values, String purpose) {
        DeviceBuffer b = d.allocate((long) values.length * Integer.BYTES, purpose);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate((long) values.length * Integer.BYTES, 16);
            MemorySegment.copy(values, 0, s, ValueLayout.JAVA_INT, 0, values.length);
            d.upload(s, b, 0);
        }
        return b;
    }

    static DeviceBuffer bytes(Device d, MemorySegment data, String purpose) {
        DeviceBuffer b = d.allocate(data.byteSize(), purpose);
        d.upload(data, b, 0);
        return b;
    }

    static float[] readFloats(Device d, DeviceBuffer b, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate((long) n * Float.BYTES, 16);
            d.download(b, 0, s);
            return s.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    static short[] readShorts(Device d, DeviceBuffer b, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate((long) n * Short.BYTES, 16);
            d.download(b, 0, s);
            return s.toArray(ValueLayout.JAVA_SHORT);
        }
    }

    static int[] readInts(Device d, DeviceBuffer b, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate((long) n * Integer.BYTES, 16);
            d.download(b, 0, s);
            return s.toArray(ValueLayout.JAVA_INT);
        }
    }
}
