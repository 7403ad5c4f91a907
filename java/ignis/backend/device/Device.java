package ignis.backend.device;

import java.lang.foreign.MemorySegment;

/**
 * A compute device with its own memory, reached through a driver API (the CUDA driver through
 * JCuda, OpenCL through FFM). Backends differ only here: everything above (which kernels a forward
 * pass launches, with which arguments) is shared, so every device runs the same algorithm.
 * <p>
 * Launches are queued in order on one stream/queue; {@link #download} waits for the queue.
 * Not thread-safe: one caller at a time.
 */
public interface Device extends AutoCloseable {

    /** Human-readable, with the API and index, e.g. {@code "NVIDIA H200 (cuda:0)"}. */
    String name();

    /** Bytes of device memory in all. */
    long totalMemory();

    /** Bytes of device memory free now, as well as the API can tell. */
    long freeMemory();

    /**
     * A buffer of {@code bytes}, contents undefined. {@code purpose} names it in errors (e.g.
     * {@code "blk.3.ffn_up.weight"}, {@code "KV cache"}). Running out of memory throws a
     * {@link DeviceOutOfMemoryException} that says how much was asked and how much was free.
     */
    DeviceBuffer allocate(long bytes, String purpose);

    /** Copies {@code src.byteSize()} bytes into {@code dst} at {@code dstOffset}; returns once {@code src} may be reused. */
    void upload(MemorySegment src, DeviceBuffer dst, long dstOffset);

    /** Waits for queued work, then copies {@code dst.byteSize()} bytes from {@code src} at {@code srcOffset}. */
    void download(DeviceBuffer src, long srcOffset, MemorySegment dst);

    /** Device-to-device copy of {@code bytes}, queued (used to measure bandwidth). */
    void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes);

    /**
     * The kernels of the portable sources ({@link KernelSources}) compiled for this device:
     * OpenCL builds them from source, CUDA loads the cubin/PTX that native-build produced.
     */
    KernelLibrary kernels();

    /**
     * Queues {@code kernel} on a grid of {@code groupsX x groupsY} work-groups (CUDA blocks) of
     * {@code groupSize} threads. Arguments, in the kernel's parameter order: {@link DeviceBuffer},
     * {@link Integer} (C int) or {@link Float} (C float).
     */
    void launch(Kernel kernel, int groupsX, int groupsY, int groupSize, Object... args);

    /**
     * Whether {@code mma_16x8x16} runs on matrix hardware here (CUDA compute capability 8.0 and
     * up), so that batches take the tensor-core GEMM; elsewhere it is emulated and only tested.
     */
    default boolean hasTensorCores() {
        return false;
    }

    /**
     * Seconds the device spent on the kernels {@code launches} queues, by its own clock (OpenCL
     * profiling events, CUDA events), so host overheads between launches are not counted; waits
     * for them to finish. {@code launches} must launch at least one kernel.
     */
    double timeOnDevice(Runnable launches);

    /**
     * Records the kernels {@code launches} launches, without running them, as one unit to replay
     * ({@link LaunchRecording}): a CUDA graph on CUDA, the launch list elsewhere. While recording,
     * only launches are allowed (no upload, download, copy or wait).
     */
    LaunchRecording record(Runnable launches);

    /** Waits until every queued operation has finished. */
    void synchronize();

    /** Frees the device's context and everything allocated in it. */
    @Override
    void close();
}
