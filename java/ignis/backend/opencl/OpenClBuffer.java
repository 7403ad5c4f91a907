package ignis.backend.opencl;

import ignis.backend.device.DeviceBuffer;
import java.lang.foreign.MemorySegment;

/** A cl_mem of one {@link OpenClDevice}; closing releases it once, later closes do nothing. */
final class OpenClBuffer implements DeviceBuffer {
    final OpenClDevice device;
    /** Bytes asked of OpenCL (at least 1: OpenCL has no empty buffers), counted against the device's memory. */
    final long reserved;
    private final MemorySegment mem;
    private final long byteSize;
    private final String purpose;
    private boolean closed;

    OpenClBuffer(OpenClDevice device, MemorySegment mem, long byteSize, long reserved, String purpose) {
        this.device = device;
        this.mem = mem;
        this.byteSize = byteSize;
        this.reserved = reserved;
        this.purpose = purpose;
    }

    @Override
    public long byteSize() {
        return byteSize;
    }

    @Override
    public String purpose() {
        return purpose;
    }

    /** The cl_mem; using a closed buffer would hand OpenCL a dangling handle, so it is refused. */
    MemorySegment handle() {
        if (closed) {
            throw new IllegalStateException("buffer '" + purpose + "' of " + device.name() + " is closed");
        }
        return mem;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            device.release(this, mem);
        }
    }

    @Override
    public String toString() {
        return "'" + purpose + "' (" + byteSize + " bytes on " + device.name() + ")";
    }
}
