package ignis.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import ignis.backend.device.Device;
import ignis.backend.device.DeviceBuffer;
import ignis.backend.device.DeviceException;
import ignis.backend.device.DeviceOutOfMemoryException;
import ignis.backend.device.Kernel;
import ignis.backend.device.LaunchRecording;
import ignis.backend.device.RecordedLaunches;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One OpenCL device (an index of {@link OpenClDiscovery}'s flat list) with its context, one
 * in-order command queue and the program built from the source given to {@link #open}.
 * <p>
 * OpenCL may allocate buffers lazily, so {@link #freeMemory()} is the device's global memory less
 * what this device allocated, and allocations beyond it are refused up front. Launches allocate
 * nothing: argument values and work sizes go through native scratch memory held for the device's
 * lifetime. Not thread-safe, like every {@link Device}.
 */
public final class OpenClDevice implements Device {
    private static final long CL_MEM_READ_WRITE = 1;
    private static final long CL_CONTEXT_PLATFORM = 0x1084;
    private static final long CL_QUEUE_PROFILING_ENABLE = 2;
    private static final int CL_PROFILING_COMMAND_START = 0x1282;
    private static final int CL_PROFILING_COMMAND_END = 0x1283;
    /** Heap segments travel through a native staging buffer of this size (OpenCL needs native addresses). */
    private static final long STAGING_BYTES = 4 << 20;

    private final OpenCl cl;
    private final OpenClDeviceInfo info;
    private final String name;
    /** clBuildProgram options of this device's programs ({@link OpenClKernels#buildOptions}). */
    private final String buildOptions;
    private final MemorySegment deviceId;
    private final Arena arena = Arena.ofShared(); // shared: the device may be opened on one thread and used on another
    private final MemorySegment status = arena.allocate(JAVA_INT);
    private final MemorySegment launchEvent = arena.allocate(ADDRESS);
    private final MemorySegment profilingValue = arena.allocate(JAVA_LONG);
    /** While {@link #timeOnDevice} runs: launches keep their events, the first and the latest. */
    private boolean timing;
    private MemorySegment firstTimed = MemorySegment.NULL;
    private MemorySegment lastTimed = MemorySegment.NULL;
    /** While {@link #record} runs: where launches go instead of the queue. */
    private RecordedLaunches recording;
    private final MemorySegment argumentValue = arena.allocate(JAVA_LONG); // large enough for a cl_mem, cl_int or cl_float
    private final MemorySegment globalSize = arena.allocate(JAVA_LONG, 2);
    private final MemorySegment localSize = arena.allocate(JAVA_LONG, 2);
    private final Set<OpenClBuffer> buffers = new LinkedHashSet<>();
    private final List<OpenClKernels> programs = new ArrayList<>();
    private MemorySegment staging;
    private MemorySegment context = MemorySegment.NULL;
    private MemorySegment queue = MemorySegment.NULL;
    private OpenClKernels kernels;
    private long allocated;
    private boolean closed;

    private OpenClDevice(OpenCl cl, OpenClDiscovery.Found found, String programSource, String extraBuildOptions) {
        this.cl = cl;
        this.info = found.info();
        this.name = info.deviceName() + " (opencl:" + info.index() + (extraBuildOptions.isBlank() ? "" : " " + extraBuildOptions.strip()) + ")";
        this.buildOptions = OpenClKernels.buildOptions(info, extraBuildOptions);
        this.deviceId = found.device();
        try {
            MemorySegment properties = arena.allocateFrom(JAVA_LONG, CL_CONTEXT_PLATFORM, found.platform().address(), 0L);
            context = cl.createContext(properties, 1, arena.allocateFrom(ADDRESS, deviceId), status);
            checkStatus("clCreateContext");
            // in order; profiling so that timeOnDevice can read the launches' timestamps
            queue = cl.createCommandQueue(context, deviceId, CL_QUEUE_PROFILING_ENABLE, status);
            checkStatus("clCreateCommandQueue");
            kernels = buildProgram(programSource);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Opens device {@code index} of {@link OpenClDiscovery#discover()} and builds
     * {@code programSource} (OpenCL C 1.2) as its {@link #kernels()}. Throws a
     * {@link DeviceException} when OpenCL, the device or the build fails (with the build log).
     */
    public static OpenClDevice open(int index, String programSource) {
        return open(index, programSource, "");
    }

    /**
     * {@link #open(int, String)} with {@code extraBuildOptions} after the device's own (see
     * {@link OpenClKernels#buildOptions}), e.g. the tests' {@code -D IGNIS_EMULATED_SUBGROUP_SIZE=8};
     * the device's name shows them.
     */
    public static OpenClDevice open(int index, String programSource, String extraBuildOptions) {
        OpenCl cl = OpenCl.load();
        List<String> problems = new ArrayList<>();
        List<OpenClDiscovery.Found> found = OpenClDiscovery.enumerate(cl, problems);
        if (found.isEmpty()) {
            throw new DeviceException(OpenClDiscovery.noDevices(cl, problems));
        }
        if (index < 0 || index >= found.size()) {
            throw new DeviceException("OpenCL: no device " + index + "; there are " + found.size() + ": "
                    + found.stream().map(f -> f.info().summary()).toList());
        }
        return new OpenClDevice(cl, found.get(index), programSource, extraBuildOptions);
    }

    /** What discovery said about this device. */
    public OpenClDeviceInfo info() {
        return info;
    }

    /** Builds another program on this device (its kernels are released with the device). */
    public OpenClKernels buildProgram(String source) {
        ensureOpen();
        OpenClKernels program = OpenClKernels.build(this, source, buildOptions);
        programs.add(program);
        return program;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long totalMemory() {
        return info.globalMemory();
    }

    @Override
    public long freeMemory() {
        return Math.max(0, info.globalMemory() - allocated);
    }

    /** Bytes held by this device's open buffers. */
    public long allocatedMemory() {
        return allocated;
    }

    @Override
    public DeviceBuffer allocate(long bytes, String purpose) {
        ensureOpen();
        if (bytes < 0) {
            throw new IllegalArgumentException(name + ": negative size " + bytes + " for " + purpose);
        }
        long reserved = Math.max(bytes, 1);
        long free = freeMemory();
        if (reserved > free) {
            throw new DeviceOutOfMemoryException(name, purpose, bytes, free);
        }
        if (bytes > info.maxAllocation()) {
            throw new DeviceOutOfMemoryException(name, purpose + " (over the largest single buffer, CL_DEVICE_MAX_MEM_ALLOC_SIZE "
                    + info.maxAllocation() + " bytes)", bytes, free);
        }
        MemorySegment mem = cl.createBuffer(context, CL_MEM_READ_WRITE, reserved, MemorySegment.NULL, status);
        int code = status.get(JAVA_INT, 0);
        if (ClStatus.isAllocationFailure(code)) {
            throw new DeviceOutOfMemoryException(name, purpose + " (clCreateBuffer: " + ClStatus.name(code) + ")", bytes, free);
        }
        ClStatus.check(code, name, "clCreateBuffer(" + purpose + ", " + bytes + " bytes)");
        OpenClBuffer buffer = new OpenClBuffer(this, mem, bytes, reserved, purpose);
        buffers.add(buffer);
        allocated += reserved;
        return buffer;
    }

    /** Called once by {@link OpenClBuffer#close}. */
    void release(OpenClBuffer buffer, MemorySegment mem) {
        if (buffers.remove(buffer)) {
            allocated -= buffer.reserved;
            cl.releaseMemObject(mem); // status unchecked: a failed release leaves nothing to do
        }
    }

    @Override
    public void upload(MemorySegment src, DeviceBuffer dst, long dstOffset) {
        ensureOpen();
        refuseWhileRecording("upload");
        OpenClBuffer to = own(dst, "upload destination");
        long bytes = src.byteSize();
        checkRange(to, dstOffset, bytes, "upload");
        if (src.isNative()) {
            checkTransfer(cl.enqueueWriteBuffer(queue, to.handle(), true, dstOffset, bytes, src), "clEnqueueWriteBuffer", to);
            return;
        }
        MemorySegment stage = staging();
        for (long done = 0; done < bytes; done += STAGING_BYTES) {
            long chunk = Math.min(STAGING_BYTES, bytes - done);
            MemorySegment.copy(src, done, stage, 0, chunk);
            checkTransfer(cl.enqueueWriteBuffer(queue, to.handle(), true, dstOffset + done, chunk, stage), "clEnqueueWriteBuffer", to);
        }
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, MemorySegment dst) {
        ensureOpen();
        refuseWhileRecording("download");
        OpenClBuffer from = own(src, "download source");
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException(name + ": download of '" + from.purpose() + "' into a read-only segment");
        }
        long bytes = dst.byteSize();
        checkRange(from, srcOffset, bytes, "download");
        if (dst.isNative()) {
            checkTransfer(cl.enqueueReadBuffer(queue, from.handle(), true, srcOffset, bytes, dst), "clEnqueueReadBuffer", from);
            return;
        }
        MemorySegment stage = staging();
        for (long done = 0; done < bytes; done += STAGING_BYTES) {
            long chunk = Math.min(STAGING_BYTES, bytes - done);
            checkTransfer(cl.enqueueReadBuffer(queue, from.handle(), true, srcOffset + done, chunk, stage), "clEnqueueReadBuffer", from);
            MemorySegment.copy(stage, 0, dst, done, chunk);
        }
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) {
        ensureOpen();
        refuseWhileRecording("copy");
        OpenClBuffer from = own(src, "copy source");
        OpenClBuffer to = own(dst, "copy destination");
        checkRange(from, srcOffset, bytes, "copy");
        checkRange(to, dstOffset, bytes, "copy");
        if (bytes > 0) {
            checkTransfer(cl.enqueueCopyBuffer(queue, from.handle(), to.handle(), srcOffset, dstOffset, bytes), "clEnqueueCopyBuffer", to);
        }
    }

    @Override
    public OpenClKernels kernels() {
        ensureOpen();
        return kernels;
    }

    @Override
    public void launch(Kernel kernel, int groupsX, int groupsY, int groupSize, Object... args) {
        ensureOpen();
        if (!(kernel instanceof OpenClKernel k) || k.device != this) {
            throw new IllegalArgumentException(name + ": kernel " + kernel.name() + " was not built for this device");
        }
        if (groupsX <= 0 || groupsY <= 0 || groupSize <= 0) {
            throw new IllegalArgumentException(name + ": kernel " + k.name() + " launched on " + groupsX + "x" + groupsY
                    + " groups of " + groupSize + "; all must be positive");
        }
        if (args.length != k.parameterCount()) {
            throw new IllegalArgumentException(name + ": kernel " + k.name() + " takes " + k.parameterCount() + " arguments, got "
                    + args.length);
        }
        if (recording != null) {
            recording.add(kernel, groupsX, groupsY, groupSize, args);
            return;
        }
        for (int i = 0; i < args.length; i++) {
            setArgument(k, i, args[i]);
        }
        globalSize.setAtIndex(JAVA_LONG, 0, (long) groupsX * groupSize);
        globalSize.setAtIndex(JAVA_LONG, 1, groupsY);
        localSize.setAtIndex(JAVA_LONG, 0, groupSize);
        localSize.setAtIndex(JAVA_LONG, 1, 1);
        int code = cl.enqueueNDRangeKernel(queue, k.handle, 2, globalSize, localSize, timing ? launchEvent : MemorySegment.NULL);
        if (code != ClStatus.CL_SUCCESS) {
            throw launchFailure(k, code, groupsX, groupsY, groupSize, args);
        }
        if (timing) {
            keepTimedEvent(launchEvent.get(ADDRESS, 0));
        }
    }

    /** Keeps the first and the latest event of a timed run (see {@link #timeOnDevice}). */
    private void keepTimedEvent(MemorySegment event) {
        if (firstTimed.equals(MemorySegment.NULL)) {
            firstTimed = event;
            return;
        }
        if (!lastTimed.equals(MemorySegment.NULL)) {
            cl.releaseEvent(lastTimed);
        }
        lastTimed = event;
    }

    /** The launch list: OpenCL has no graphs (see {@link RecordedLaunches}). */
    @Override
    public LaunchRecording record(Runnable launches) {
        ensureOpen();
        refuseWhileRecording("record");
        RecordedLaunches r = new RecordedLaunches(this);
        recording = r;
        try {
            launches.run();
        } finally {
            recording = null;
        }
        return r;
    }

    /** From the first timed launch's start to the last one's end, by the device's profiling clock. */
    @Override
    public double timeOnDevice(Runnable launches) {
        ensureOpen();
        refuseWhileRecording("timeOnDevice");
        timing = true;
        try {
            launches.run();
            timing = false;
            if (firstTimed.equals(MemorySegment.NULL)) {
                throw new IllegalArgumentException(name + ": timeOnDevice saw no kernel launch");
            }
            synchronize();
            long start = profilingTime(firstTimed, CL_PROFILING_COMMAND_START);
            long end = profilingTime(lastTimed.equals(MemorySegment.NULL) ? firstTimed : lastTimed, CL_PROFILING_COMMAND_END);
            return (end - start) / 1e9;
        } finally {
            timing = false;
            for (MemorySegment event : List.of(firstTimed, lastTimed)) {
                if (!event.equals(MemorySegment.NULL)) {
                    cl.releaseEvent(event);
                }
            }
            firstTimed = MemorySegment.NULL;
            lastTimed = MemorySegment.NULL;
        }
    }

    private long profilingTime(MemorySegment event, int param) {
        ClStatus.check(cl.getEventProfilingInfo(event, param, JAVA_LONG.byteSize(), profilingValue, MemorySegment.NULL), name,
                "clGetEventProfilingInfo");
        return profilingValue.get(JAVA_LONG, 0);
    }

    private void setArgument(OpenClKernel kernel, int index, Object argument) {
        long size;
        switch (argument) {
            case OpenClBuffer buffer when buffer.device == this -> {
                argumentValue.set(ADDRESS, 0, buffer.handle());
                size = ADDRESS.byteSize();
            }
            case Integer value -> {
                argumentValue.set(JAVA_INT, 0, value);
                size = Integer.BYTES;
            }
            case Float value -> {
                argumentValue.set(JAVA_FLOAT, 0, value);
                size = Float.BYTES;
            }
            case OpenClBuffer buffer -> throw wrongArgument(kernel, index, argument, "it is a buffer of " + buffer.device.name());
            case null, default -> throw wrongArgument(kernel, index, argument, "arguments are DeviceBuffer, Integer or Float");
        }
        OpenClKernel.Parameter parameter = kernel.parameter(index);
        if (!parameter.accepts(argument)) {
            throw wrongArgument(kernel, index, argument, parameter == OpenClKernel.Parameter.LOCAL_MEMORY
                    ? "__local parameters are not supported; declare the __local array inside the kernel"
                    : "the kernel takes " + kernel.typeName(index));
        }
        int code = cl.setKernelArg(kernel.handle, index, size, argumentValue);
        if (code == ClStatus.CL_INVALID_ARG_SIZE || code == ClStatus.CL_INVALID_MEM_OBJECT || code == ClStatus.CL_INVALID_ARG_VALUE) {
            throw wrongArgument(kernel, index, argument, "clSetKernelArg: " + ClStatus.name(code) + "; the kernel takes "
                    + kernel.typeName(index));
        }
        ClStatus.check(code, name, "clSetKernelArg(" + kernel.name() + ", " + index + ")");
    }

    private IllegalArgumentException wrongArgument(OpenClKernel kernel, int index, Object argument, String why) {
        String given = argument == null ? "null" : argument instanceof DeviceBuffer ? "a DeviceBuffer" : argument.getClass().getSimpleName();
        return new IllegalArgumentException(name + ": kernel " + kernel.name() + " argument " + index + ": got " + given + "; " + why);
    }

    private DeviceException launchFailure(OpenClKernel kernel, int code, int groupsX, int groupsY, int groupSize, Object[] args) {
        String call = "clEnqueueNDRangeKernel(" + kernel.name() + ", global " + (long) groupsX * groupSize + "x" + groupsY + ", local "
                + groupSize + "x1)";
        if (code == ClStatus.CL_MEM_OBJECT_ALLOCATION_FAILURE) {
            // buffers are materialised on first use, so a launch can be where memory runs out
            long bytes = 0;
            for (Object arg : args) {
                bytes += arg instanceof OpenClBuffer buffer ? buffer.byteSize() : 0;
            }
            return new DeviceOutOfMemoryException(name, "the buffers of kernel " + kernel.name() + " (" + call + ": "
                    + ClStatus.name(code) + ")", bytes, freeMemory());
        }
        return ClStatus.failure(code, name, call);
    }

    @Override
    public void synchronize() {
        ensureOpen();
        refuseWhileRecording("synchronize");
        ClStatus.check(cl.finish(queue), name, "clFinish");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // release statuses are not checked: nothing can be done about them, and everything must go
        if (!queue.equals(MemorySegment.NULL)) {
            cl.finish(queue);
        }
        for (OpenClKernels program : programs) {
            program.release();
        }
        for (OpenClBuffer buffer : List.copyOf(buffers)) {
            buffer.close();
        }
        if (!queue.equals(MemorySegment.NULL)) {
            cl.releaseCommandQueue(queue);
        }
        if (!context.equals(MemorySegment.NULL)) {
            cl.releaseContext(context);
        }
        arena.close();
    }

    @Override
    public String toString() {
        return name;
    }

    // --- for the package ---

    OpenCl cl() {
        return cl;
    }

    MemorySegment context() {
        return context;
    }

    MemorySegment deviceId() {
        return deviceId;
    }

    // --- helpers ---

    private void refuseWhileRecording(String what) {
        if (recording != null) {
            throw new IllegalStateException(name + ": " + what + " while recording launches (only launches are recorded)");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
    }

    private void checkStatus(String call) {
        ClStatus.check(status.get(JAVA_INT, 0), name, call);
    }

    private OpenClBuffer own(DeviceBuffer buffer, String role) {
        if (!(buffer instanceof OpenClBuffer b) || b.device != this) {
            throw new IllegalArgumentException(name + ": the " + role + " " + buffer + " is not a buffer of this device");
        }
        if (b.isClosed()) {
            throw new IllegalStateException(name + ": the " + role + " '" + b.purpose() + "' is closed");
        }
        return b;
    }

    private void checkRange(OpenClBuffer buffer, long offset, long bytes, String operation) {
        if (offset < 0 || bytes < 0 || offset > buffer.byteSize() - bytes) {
            throw new IndexOutOfBoundsException(name + ": " + operation + " of " + bytes + " bytes at offset " + offset + " is outside '"
                    + buffer.purpose() + "' (" + buffer.byteSize() + " bytes)");
        }
    }

    /** A transfer touching a lazily allocated buffer can be where its memory is found missing. */
    private void checkTransfer(int code, String call, OpenClBuffer buffer) {
        if (code == ClStatus.CL_MEM_OBJECT_ALLOCATION_FAILURE) {
            throw new DeviceOutOfMemoryException(name, buffer.purpose() + " (" + call + ": " + ClStatus.name(code) + ")",
                    buffer.byteSize(), freeMemory());
        }
        ClStatus.check(code, name, call + "('" + buffer.purpose() + "')");
    }

    private MemorySegment staging() {
        if (staging == null) {
            staging = arena.allocate(STAGING_BYTES);
        }
        return staging;
    }
}
