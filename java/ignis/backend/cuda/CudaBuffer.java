package ignis.backend.cuda;

import ignis.backend.device.DeviceBuffer;
import jcuda.driver.CUdeviceptr;

/** A cuMemAlloc'ed buffer of one {@link CudaDevice}; freed by {@link #close} or by closing the device. */
final class CudaBuffer implements DeviceBuffer {
    private final CudaDevice device;
    private final CUdeviceptr pointer;
    private final long byteSize;
    private final String purpose;
    private boolean freed;

    CudaBuffer(CudaDevice device, CUdeviceptr pointer, long byteSize, String purpose) {
        this.device = device;
        this.pointer = pointer;
        this.byteSize = byteSize;
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

    CudaDevice device() {
        return device;
    }

    /** The device address at {@code offset}; the buffer must not be freed. */
    CUdeviceptr pointer(long offset) {
        if (freed) {
            throw new IllegalStateException(device.name() + ": buffer " + purpose + " used after it was freed");
        }
        return offset == 0 ? pointer : pointer.withByteOffset(offset);
    }

    /** The allocation's base address, for freeing it. */
    CUdeviceptr pointer() {
        return pointer;
    }

    /** Freed by its device's close (with every other live buffer). */
    void markFreed() {
        freed = true;
    }

    /** Frees it once; a buffer of a closed device was freed with the device's context. */
    @Override
    public void close() {
        if (!freed) {
            freed = true;
            device.free(this);
        }
    }

    @Override
    public String toString() {
        return purpose + " (" + byteSize + " bytes on " + device.name() + ")";
    }
}
