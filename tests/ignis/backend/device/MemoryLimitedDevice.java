package ignis.backend.device;

import java.lang.foreign.MemorySegment;

/** A device that reports and enforces a small memory size, to test out-of-memory handling. Counts what is live. */
final class MemoryLimitedDevice implements Device {
    private final Device inner;
    private final long limit;
    private long live;

    MemoryLimitedDevice(Device inner, long limit) {
        this.inner = inner;
        this.limit = limit;
    }

    long liveBytes() {
        return live;
    }

    @Override
    public String name() {
        return "limited " + inner.name();
    }

    @Override
    public long totalMemory() {
        return limit;
    }

    @Override
    public long freeMemory() {
        return limit - live;
    }

    @Override
    public DeviceBuffer allocate(long bytes, String purpose) {
        if (bytes > freeMemory()) {
            throw new DeviceOutOfMemoryException(name(), purpose, bytes, freeMemory());
        }
        DeviceBuffer b = inner.allocate(bytes, purpose);
        live += bytes;
        return new LimitedBuffer(b);
    }

    private final class LimitedBuffer implements DeviceBuffer {
        private final DeviceBuffer inner;
        private boolean closed;

        LimitedBuffer(DeviceBuffer inner) {
            this.inner = inner;
        }

        @Override
        public long byteSize() {
            return inner.byteSize();
        }

        @Override
        public String purpose() {
            return inner.purpose();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                live -= inner.byteSize();
                inner.close();
            }
        }
    }

    @Override
    public void upload(MemorySegment src, DeviceBuffer dst, long dstOffset) {
        inner.upload(src, unwrap(dst), dstOffset);
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, MemorySegment dst) {
        inner.download(unwrap(src), srcOffset, dst);
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) {
        inner.copy(unwrap(src), srcOffset, unwrap(dst), dstOffset, bytes);
    }

    @Override
    public KernelLibrary kernels() {
        return inner.kernels();
    }

    @Override
    public void launch(Kernel kernel, int groupsX, int groupsY, int groupSize, Object... args) {
        Object[] unwrapped = args.clone();
        for (int i = 0; i < unwrapped.length; i++) {
            if (unwrapped[i] instanceof DeviceBuffer b) {
                unwrapped[i] = unwrap(b);
            }
        }
        inner.launch(kernel, groupsX, groupsY, groupSize, unwrapped);
    }

    @Override
    public LaunchRecording record(Runnable launches) {
        return inner.record(launches);
    }

    @Override
    public double timeOnDevice(Runnable launches) {
        return inner.timeOnDevice(launches);
    }

    @Override
    public void synchronize() {
        inner.synchronize();
    }

    @Override
    public void close() {
        // The inner device is shared by the test class; it stays open.
    }

    private static DeviceBuffer unwrap(DeviceBuffer b) {
        return b instanceof MemoryLimitedDevice.LimitedBuffer l ? l.inner : b;
    }
}
