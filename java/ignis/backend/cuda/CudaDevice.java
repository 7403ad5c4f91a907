package ignis.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import ignis.backend.device.Device;
import ignis.backend.device.DeviceBuffer;
import ignis.backend.device.DeviceException;
import ignis.backend.device.DeviceOutOfMemoryException;
import ignis.backend.device.Kernel;
import ignis.backend.device.KernelLibrary;
import ignis.backend.device.LaunchRecording;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.CUstream_flags;

/**
 * One CUDA device through the driver API: its primary context and one non-blocking stream, on
 * which copies and launches queue in order. Opened with {@link CudaDevices#open}.
 * <p>
 * Every call makes the context current on the calling thread first, so the device may move
 * between threads (one at a time, as {@link Device} requires).
 */
public final class CudaDevice implements Device {
    private final CudaDeviceInfo info;
    private final String name;
    private final CUdevice device;
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final Set<CudaBuffer> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private CudaKernelLibrary kernels;
    private String lastLaunch = "none";
    /** While {@link #record} captures the stream. */
    private boolean capturing;
    private boolean open;

    CudaDevice(CudaDeviceInfo info) {
        this.info = info;
        this.name = info.deviceName();
        this.device = CudaDevices.handle(info.index(), name);
        CudaResults.check(cuDevicePrimaryCtxRetain(context, device), name, "cuDevicePrimaryCtxRetain");
        open = true;
        try {
            makeCurrent();
            CudaResults.check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), name, "cuStreamCreate");
        } catch (RuntimeException e) {
            cuDevicePrimaryCtxRelease(device);
            open = false;
            throw e;
        }
    }

    /** What discovery reported about this device (compute capability, SMs, driver). */
    public CudaDeviceInfo info() {
        return info;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long totalMemory() {
        return info.totalMemory();
    }

    @Override
    public boolean hasTensorCores() {
        return info.hasTensorCores();
    }

    @Override
    public long freeMemory() {
        makeCurrent();
        long[] free = new long[1];
        long[] total = new long[1];
        CudaResults.check(cuMemGetInfo(free, total), name, "cuMemGetInfo");
        return free[0];
    }

    @Override
    public DeviceBuffer allocate(long bytes, String purpose) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(name + ": allocating " + purpose + ": " + bytes + " bytes");
        }
        makeCurrent();
        CUdeviceptr pointer = new CUdeviceptr();
        int result = cuMemAlloc(pointer, bytes);
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            throw new DeviceOutOfMemoryException(name, purpose, bytes, freeMemory());
        }
        CudaResults.check(result, name, "cuMemAlloc(" + bytes + " bytes for " + purpose + ")");
        CudaBuffer buffer = new CudaBuffer(this, pointer, bytes, purpose);
        live.add(buffer);
        return buffer;
    }

    @Override
    public void upload(MemorySegment src, DeviceBuffer dst, long dstOffset) {
        refuseWhileCapturing("upload");
        CudaBuffer buffer = own(dst);
        Objects.checkFromIndexSize(dstOffset, src.byteSize(), buffer.byteSize());
        makeCurrent();
        // Async on our stream keeps the copy in order with queued launches; from pageable memory
        // the driver has staged the bytes when it returns, so src may be reused.
        HostChunks.read(src, (host, offset, bytes) -> CudaResults.check(
                cuMemcpyHtoDAsync(buffer.pointer(dstOffset + offset), host, bytes, stream), name,
                "cuMemcpyHtoDAsync(" + bytes + " bytes to " + buffer.purpose() + ")"));
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, MemorySegment dst) {
        refuseWhileCapturing("download");
        CudaBuffer buffer = own(src);
        Objects.checkFromIndexSize(srcOffset, dst.byteSize(), buffer.byteSize());
        synchronize();
        HostChunks.write(dst, (host, offset, bytes) -> CudaResults.check(
                cuMemcpyDtoH(host, buffer.pointer(srcOffset + offset), bytes), name,
                "cuMemcpyDtoH(" + bytes + " bytes from " + buffer.purpose() + ")"));
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) {
        refuseWhileCapturing("copy");
        CudaBuffer from = own(src);
        CudaBuffer to = own(dst);
        Objects.checkFromIndexSize(srcOffset, bytes, from.byteSize());
        Objects.checkFromIndexSize(dstOffset, bytes, to.byteSize());
        makeCurrent();
        CudaResults.check(cuMemcpyDtoDAsync(to.pointer(dstOffset), from.pointer(srcOffset), bytes, stream), name,
                "cuMemcpyDtoDAsync(" + bytes + " bytes, " + from.purpose() + " -> " + to.purpose() + ")");
    }

    /** Loads the packaged modules on first use (see {@link CudaKernelImages} for the choice of image). */
    @Override
    public KernelLibrary kernels() {
        if (kernels == null) {
            makeCurrent();
            kernels = new CudaKernelLibrary(this, info.archVersion());
        }
        return kernels;
    }

    @Override
    public void launch(Kernel kernel, int groupsX, int groupsY, int groupSize, Object... args) {
        if (!(kernel instanceof CudaKernel cuda) || cuda.device() != this) {
            throw new IllegalArgumentException(name + ": kernel " + kernel.name() + " is not one of this device's");
        }
        if (groupsX <= 0 || groupsY <= 0 || groupSize <= 0) {
            throw new IllegalArgumentException(name + ": " + kernel.name() + " launched on " + groupsX + " x "
                    + groupsY + " groups of " + groupSize);
        }
        var params = CudaKernelArguments.pack(kernel.name(), args, buffer -> own(buffer).pointer(0));
        makeCurrent();
        lastLaunch = kernel.name();
        CudaResults.check(cuLaunchKernel(cuda.function(), groupsX, groupsY, 1, groupSize, 1, 1, 0, stream, params, null),
                name, "cuLaunchKernel(" + kernel.name() + ", " + groupsX + " x " + groupsY + " x " + groupSize + ")");
    }

    /**
     * A CUDA graph: the stream is captured while {@code launches} runs (its launches are recorded,
     * not run), then the graph is instantiated once; a replay is one cuGraphLaunch.
     */
    @Override
    public LaunchRecording record(Runnable launches) {
        refuseWhileCapturing("record");
        makeCurrent();
        CudaResults.check(cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), name,
                "cuStreamBeginCapture");
        CUgraph graph = new CUgraph();
        capturing = true;
        try {
            launches.run();
        } finally {
            capturing = false;
            makeCurrent();
            // ends the capture whatever happened, so the stream is usable again
            CudaResults.check(cuStreamEndCapture(stream, graph), name, "cuStreamEndCapture (last launch: " + lastLaunch + ")");
        }
        CUgraphExec exec = new CUgraphExec();
        int instantiated = cuGraphInstantiate(exec, graph, 0);
        if (instantiated != CUresult.CUDA_SUCCESS) {
            cuGraphDestroy(graph);
            CudaResults.check(instantiated, name, "cuGraphInstantiate");
        }
        return new CudaGraph(this, graph, exec, stream);
    }

    /** Between two events recorded on the stream around {@code launches}. */
    @Override
    public double timeOnDevice(Runnable launches) {
        refuseWhileCapturing("timeOnDevice");
        makeCurrent();
        CUevent start = new CUevent();
        CUevent end = new CUevent();
        CudaResults.check(cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT), name, "cuEventCreate");
        try {
            CudaResults.check(cuEventCreate(end, CUevent_flags.CU_EVENT_DEFAULT), name, "cuEventCreate");
            try {
                CudaResults.check(cuEventRecord(start, stream), name, "cuEventRecord");
                launches.run();
                makeCurrent();
                CudaResults.check(cuEventRecord(end, stream), name, "cuEventRecord");
                CudaResults.check(cuEventSynchronize(end), name, "cuEventSynchronize (last launch: " + lastLaunch + ")");
                float[] milliseconds = new float[1];
                CudaResults.check(cuEventElapsedTime(milliseconds, start, end), name, "cuEventElapsedTime");
                return milliseconds[0] / 1e3;
            } finally {
                cuEventDestroy(end);
            }
        } finally {
            cuEventDestroy(start);
        }
    }

    /** Kernel faults surface here, so the message names the last kernel launched. */
    @Override
    public void synchronize() {
        refuseWhileCapturing("synchronize");
        makeCurrent();
        CudaResults.check(cuStreamSynchronize(stream), name, "cuStreamSynchronize (last launch: " + lastLaunch + ")");
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        makeCurrent();
        List<String> failures = new ArrayList<>();
        note(failures, cuStreamSynchronize(stream), "cuStreamSynchronize (last launch: " + lastLaunch + ")");
        for (CudaBuffer buffer : live) {
            buffer.markFreed();
            note(failures, cuMemFree(buffer.pointer()), "cuMemFree(" + buffer.purpose() + ")");
        }
        live.clear();
        if (kernels != null) {
            note(failures, kernels.unload(), "cuModuleUnload");
        }
        note(failures, cuStreamDestroy(stream), "cuStreamDestroy");
        note(failures, cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");
        open = false;
        if (!failures.isEmpty()) {
            throw new DeviceException(name + ": closing: " + String.join("; ", failures));
        }
    }

    /** Frees one buffer (from {@link CudaBuffer#close}); a closed device already freed it. */
    void free(CudaBuffer buffer) {
        if (open && live.remove(buffer)) {
            makeCurrent();
            CudaResults.check(cuMemFree(buffer.pointer()), name, "cuMemFree(" + buffer.purpose() + ")");
        }
    }

    void makeCurrent() {
        if (!open) {
            throw new IllegalStateException(name + " is closed");
        }
        CudaResults.check(cuCtxSetCurrent(context), name, "cuCtxSetCurrent");
    }

    /** A capture records launches only: anything else on the stream would be captured or break it. */
    private void refuseWhileCapturing(String what) {
        if (capturing) {
            throw new IllegalStateException(name + ": " + what + " while recording launches (only launches are recorded)");
        }
    }

    private CudaBuffer own(DeviceBuffer buffer) {
        if (!(buffer instanceof CudaBuffer cuda) || cuda.device() != this) {
            throw new IllegalArgumentException(name + ": buffer " + buffer.purpose() + " is not one of this device's");
        }
        return cuda;
    }

    private static void note(List<String> failures, int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            failures.add(call + " failed: " + CUresult.stringFor(result));
        }
    }

    @Override
    public String toString() {
        return info.toString();
    }
}
