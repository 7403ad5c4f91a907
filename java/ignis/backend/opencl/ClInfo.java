package ignis.backend.opencl;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Reads one value of a clGet*Info call (platform, device, program, kernel, build...): strings by
 * asking their size first, numbers of 4 or 8 bytes. One helper so every query checks its status.
 */
final class ClInfo {

    /** A clGet*Info call with its object(s) bound: {@code (param, valueSize, value, valueSizeRet) -> status}. */
    @FunctionalInterface
    interface Query {
        int call(int param, long size, MemorySegment value, MemorySegment sizeRet);
    }

    private ClInfo() {
    }

    static String string(Query query, int param, String where, String call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            ClStatus.check(query.call(param, 0, MemorySegment.NULL, size), where, call);
            long bytes = size.get(JAVA_LONG, 0);
            if (bytes == 0) {
                return "";
            }
            MemorySegment value = arena.allocate(bytes + 1); // zeroed: terminated even if the driver forgets
            ClStatus.check(query.call(param, bytes, value, MemorySegment.NULL), where, call);
            return value.getString(0).strip();
        }
    }

    /** A cl_uint (or enum/bitfield of 4 bytes). */
    static int uint(Query query, int param, String where, String call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            ClStatus.check(query.call(param, JAVA_INT.byteSize(), value, MemorySegment.NULL), where, call);
            return value.get(JAVA_INT, 0);
        }
    }

    /** A cl_ulong, size_t or cl_bitfield (8 bytes on the 64-bit platforms supported). */
    static long ulong(Query query, int param, String where, String call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            ClStatus.check(query.call(param, JAVA_LONG.byteSize(), value, MemorySegment.NULL), where, call);
            return value.get(JAVA_LONG, 0);
        }
    }
}
