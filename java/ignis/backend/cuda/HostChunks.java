package ignis.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jcuda.Pointer;

/**
 * Host memory as JCuda pointers, for copies to and from a device. JCuda takes direct ByteBuffers,
 * which hold at most 2 GiB and only view native memory: large segments go in slices, and heap
 * segments through a native copy.
 */
final class HostChunks {
    /** Largest slice passed to one copy call. */
    static final long MAX_CHUNK = 1L << 30;

    /** One driver copy of {@code bytes} at {@code offset} of the segment, to or from {@code host}. */
    interface Copy {
        void copy(Pointer host, long offset, long bytes);
    }

    private HostChunks() {
    }

    /** Calls {@code copy} for each slice of {@code src}, reading host memory. */
    static void read(MemorySegment src, Copy copy) {
        forEachSlice(src, (slice, offset) -> {
            if (slice.isNative()) {
                copy.copy(Pointer.to(slice.asByteBuffer()), offset, slice.byteSize());
                return;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment staged = arena.allocate(slice.byteSize(), 64).copyFrom(slice);
                copy.copy(Pointer.to(staged.asByteBuffer()), offset, slice.byteSize());
            }
        });
    }

    /** Calls {@code copy} for each slice of {@code dst}, writing host memory. */
    static void write(MemorySegment dst, Copy copy) {
        forEachSlice(dst, (slice, offset) -> {
            if (slice.isNative()) {
                copy.copy(Pointer.to(slice.asByteBuffer()), offset, slice.byteSize());
                return;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment staged = arena.allocate(slice.byteSize(), 64);
                copy.copy(Pointer.to(staged.asByteBuffer()), offset, slice.byteSize());
                slice.copyFrom(staged);
            }
        });
    }

    private interface SliceAction {
        void apply(MemorySegment slice, long offset);
    }

    private static void forEachSlice(MemorySegment segment, SliceAction action) {
        for (long offset = 0; offset < segment.byteSize(); offset += MAX_CHUNK) {
            action.apply(segment.asSlice(offset, Math.min(MAX_CHUNK, segment.byteSize() - offset)), offset);
        }
    }
}
