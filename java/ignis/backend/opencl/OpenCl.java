package ignis.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import ignis.backend.device.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Locale;

/**
 * The OpenCL 1.2 host API of the ICD loader ({@code libOpenCL.so.1}), through FFM downcalls.
 * Each method is the C function of the same name, returning its raw status code (or handle, with
 * the status in {@code err}); {@link ClStatus#check} turns codes into exceptions. size_t is
 * taken as 64 bits: only 64-bit platforms are supported.
 */
final class OpenCl {
    /** The loader's file name per OS, first found wins. */
    static final List<String> LINUX_LIBRARIES = List.of("libOpenCL.so.1", "libOpenCL.so");
    private static final String INSTALL_HINT = "install an OpenCL ICD loader (e.g. ocl-icd-libopencl1) and a driver (e.g. pocl-opencl-icd)";

    private static OpenCl loaded;
    private static String loadFailure;

    final String library;
    private final MethodHandle clGetPlatformIDs;
    private final MethodHandle clGetPlatformInfo;
    private final MethodHandle clGetDeviceIDs;
    private final MethodHandle clGetDeviceInfo;
    private final MethodHandle clCreateContext;
    private final MethodHandle clCreateCommandQueue;
    private final MethodHandle clCreateBuffer;
    private final MethodHandle clEnqueueWriteBuffer;
    private final MethodHandle clEnqueueReadBuffer;
    private final MethodHandle clEnqueueCopyBuffer;
    private final MethodHandle clCreateProgramWithSource;
    private final MethodHandle clBuildProgram;
    private final MethodHandle clGetProgramInfo;
    private final MethodHandle clGetProgramBuildInfo;
    private final MethodHandle clCreateKernel;
    private final MethodHandle clGetKernelInfo;
    private final MethodHandle clGetKernelArgInfo;
    private final MethodHandle clSetKernelArg;
    private final MethodHandle clEnqueueNDRangeKernel;
    private final MethodHandle clFinish;
    private final MethodHandle clGetEventProfilingInfo;
    private final MethodHandle clReleaseEvent;
    private final MethodHandle clReleaseMemObject;
    private final MethodHandle clReleaseKernel;
    private final MethodHandle clReleaseProgram;
    private final MethodHandle clReleaseCommandQueue;
    private final MethodHandle clReleaseContext;

    private OpenCl(String library, SymbolLookup symbols) {
        this.library = library;
        Binder b = new Binder(library, symbols);
        FunctionDescriptor info = status(ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
        FunctionDescriptor transfer = status(ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        FunctionDescriptor release = status(ADDRESS);
        clGetPlatformIDs = b.bind("clGetPlatformIDs", status(JAVA_INT, ADDRESS, ADDRESS));
        clGetPlatformInfo = b.bind("clGetPlatformInfo", info);
        clGetDeviceIDs = b.bind("clGetDeviceIDs", status(ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
        clGetDeviceInfo = b.bind("clGetDeviceInfo", info);
        clCreateContext = b.bind("clCreateContext", handle(ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        clCreateCommandQueue = b.bind("clCreateCommandQueue", handle(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
        clCreateBuffer = b.bind("clCreateBuffer", handle(ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
        clEnqueueWriteBuffer = b.bind("clEnqueueWriteBuffer", transfer);
        clEnqueueReadBuffer = b.bind("clEnqueueReadBuffer", transfer);
        clEnqueueCopyBuffer = b.bind("clEnqueueCopyBuffer",
                status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
        clCreateProgramWithSource = b.bind("clCreateProgramWithSource", handle(ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        clBuildProgram = b.bind("clBuildProgram", status(ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        clGetProgramInfo = b.bind("clGetProgramInfo", info);
        clGetProgramBuildInfo = b.bind("clGetProgramBuildInfo", status(ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        clCreateKernel = b.bind("clCreateKernel", handle(ADDRESS, ADDRESS, ADDRESS));
        clGetKernelInfo = b.bind("clGetKernelInfo", info);
        clGetKernelArgInfo = b.bind("clGetKernelArgInfo", status(ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        clSetKernelArg = b.bind("clSetKernelArg", status(ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS));
        clEnqueueNDRangeKernel = b.bind("clEnqueueNDRangeKernel",
                status(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        clFinish = b.bind("clFinish", release);
        clGetEventProfilingInfo = b.bind("clGetEventProfilingInfo", info);
        clReleaseEvent = b.bind("clReleaseEvent", release);
        clReleaseMemObject = b.bind("clReleaseMemObject", release);
        clReleaseKernel = b.bind("clReleaseKernel", release);
        clReleaseProgram = b.bind("clReleaseProgram", release);
        clReleaseCommandQueue = b.bind("clReleaseCommandQueue", release);
        clReleaseContext = b.bind("clReleaseContext", release);
    }

    /** The loader, bound once per JVM; a {@link DeviceException} says why it cannot be used. */
    static synchronized OpenCl load() {
        if (loaded == null && loadFailure == null) {
            try {
                loaded = load(librariesForThisOs());
            } catch (DeviceException e) {
                loadFailure = e.getMessage();
            }
        }
        if (loaded == null) {
            throw new DeviceException(loadFailure);
        }
        return loaded;
    }

    /** Binds the first of {@code candidates} that loads (tests pass names that do not exist). */
    static OpenCl load(List<String> candidates) {
        if (ADDRESS.byteSize() != Long.BYTES) {
            throw new DeviceException("OpenCL: the OpenCL backend needs a 64-bit JVM (size_t is taken as 64 bits)");
        }
        StringBuilder why = new StringBuilder();
        for (String candidate : candidates) {
            SymbolLookup symbols;
            try {
                symbols = SymbolLookup.libraryLookup(candidate, Arena.global());
            } catch (IllegalArgumentException | IllegalCallerException e) {
                why.append(why.isEmpty() ? "" : "; ").append(candidate).append(": ").append(e.getMessage());
                continue;
            }
            return new OpenCl(candidate, symbols);
        }
        throw new DeviceException("OpenCL: cannot load " + String.join(" or ", candidates) + " (" + why + "); " + INSTALL_HINT);
    }

    private static List<String> librariesForThisOs() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("win")) {
            return List.of("OpenCL.dll");
        }
        if (os.contains("mac")) {
            return List.of("/System/Library/Frameworks/OpenCL.framework/OpenCL");
        }
        return LINUX_LIBRARIES;
    }

    private static FunctionDescriptor status(MemoryLayout... args) {
        return FunctionDescriptor.of(JAVA_INT, args);
    }

    private static FunctionDescriptor handle(MemoryLayout... args) {
        return FunctionDescriptor.of(ADDRESS, args);
    }

    /** Looks symbols up and links them, naming the missing one. */
    private record Binder(String library, SymbolLookup symbols) {
        MethodHandle bind(String function, FunctionDescriptor descriptor) {
            MemorySegment address = symbols.find(function).orElseThrow(() -> new DeviceException(
                    "OpenCL: " + library + " has no " + function + "; an OpenCL 1.2 loader is needed (" + INSTALL_HINT + ")"));
            try {
                return Linker.nativeLinker().downcallHandle(address, descriptor);
            } catch (IllegalCallerException e) {
                throw new DeviceException("OpenCL: native access is not enabled (run java with --enable-native-access=ALL-UNNAMED)", e);
            }
        }
    }

    private static DeviceException unexpected(String function, Throwable e) {
        return new DeviceException("OpenCL: calling " + function + " failed in the JVM: " + e, e);
    }

    // --- platforms and devices ---

    int getPlatformIDs(int entries, MemorySegment platforms, MemorySegment count) {
        try {
            return (int) clGetPlatformIDs.invokeExact(entries, platforms, count);
        } catch (Throwable e) {
            throw unexpected("clGetPlatformIDs", e);
        }
    }

    int getPlatformInfo(MemorySegment platform, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        try {
            return (int) clGetPlatformInfo.invokeExact(platform, param, size, value, sizeRet);
        } catch (Throwable e) {
            throw unexpected("clGetPlatformInfo", e);
        }
    }

    int getDeviceIDs(MemorySegment platform, long type, int entries, MemorySegment devices, MemorySegment count) {
        try {
            return (int) clGetDeviceIDs.invokeExact(platform, type, entries, devices, count);
        } catch (Throwable e) {
            throw unexpected("clGetDeviceIDs", e);
        }
    }

    int getDeviceInfo(MemorySegment device, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        try {
            return (int) clGetDeviceInfo.invokeExact(device, param, size, value, sizeRet);
        } catch (Throwable e) {
            throw unexpected("clGetDeviceInfo", e);
        }
    }

    // --- context, queue, memory ---

    MemorySegment createContext(MemorySegment properties, int devices, MemorySegment deviceList, MemorySegment err) {
        try {
            return (MemorySegment) clCreateContext.invokeExact(properties, devices, deviceList, MemorySegment.NULL, MemorySegment.NULL, err);
        } catch (Throwable e) {
            throw unexpected("clCreateContext", e);
        }
    }

    MemorySegment createCommandQueue(MemorySegment context, MemorySegment device, long properties, MemorySegment err) {
        try {
            return (MemorySegment) clCreateCommandQueue.invokeExact(context, device, properties, err);
        } catch (Throwable e) {
            throw unexpected("clCreateCommandQueue", e);
        }
    }

    MemorySegment createBuffer(MemorySegment context, long flags, long size, MemorySegment hostPtr, MemorySegment err) {
        try {
            return (MemorySegment) clCreateBuffer.invokeExact(context, flags, size, hostPtr, err);
        } catch (Throwable e) {
            throw unexpected("clCreateBuffer", e);
        }
    }

    /** Without events: the queue is in order. */
    int enqueueWriteBuffer(MemorySegment queue, MemorySegment buffer, boolean blocking, long offset, long size, MemorySegment from) {
        try {
            return (int) clEnqueueWriteBuffer.invokeExact(queue, buffer, blocking ? 1 : 0, offset, size, from, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable e) {
            throw unexpected("clEnqueueWriteBuffer", e);
        }
    }

    int enqueueReadBuffer(MemorySegment queue, MemorySegment buffer, boolean blocking, long offset, long size, MemorySegment to) {
        try {
            return (int) clEnqueueReadBuffer.invokeExact(queue, buffer, blocking ? 1 : 0, offset, size, to, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable e) {
            throw unexpected("clEnqueueReadBuffer", e);
        }
    }

    int enqueueCopyBuffer(MemorySegment queue, MemorySegment src, MemorySegment dst, long srcOffset, long dstOffset, long size) {
        try {
            return (int) clEnqueueCopyBuffer.invokeExact(queue, src, dst, srcOffset, dstOffset, size, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable e) {
            throw unexpected("clEnqueueCopyBuffer", e);
        }
    }

    // --- programs and kernels ---

    MemorySegment createProgramWithSource(MemorySegment context, int count, MemorySegment strings, MemorySegment lengths,
            MemorySegment err) {
        try {
            return (MemorySegment) clCreateProgramWithSource.invokeExact(context, count, strings, lengths, err);
        } catch (Throwable e) {
            throw unexpected("clCreateProgramWithSource", e);
        }
    }

    int buildProgram(MemorySegment program, int devices, MemorySegment deviceList, MemorySegment options) {
        try {
            return (int) clBuildProgram.invokeExact(program, devices, deviceList, options, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable e) {
            throw unexpected("clBuildProgram", e);
        }
    }

    int getProgramInfo(MemorySegment program, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        try {
            return (int) clGetProgramInfo.invokeExact(program, param, size, value, sizeRet);
        } catch (Throwable e) {
            throw unexpected("clGetProgramInfo", e);
        }
    }

    int getProgramBuildInfo(MemorySegment program, MemorySegment device, int param, long size, MemorySegment value,
            MemorySegment sizeRet) {
        try {
            return (int) clGetProgramBuildInfo.invokeExact(program, device, param, size, value, sizeRet);
        } catch (Throwable e) {
            throw unexpected("clGetProgramBuildInfo", e);
        }
    }

    MemorySegment createKernel(MemorySegment program, MemorySegment name, MemorySegment err) {
        try {
            return (MemorySegment) clCreateKernel.invokeExact(program, name, err);
        } catch (Throwable e) {
            throw unexpected("clCreateKernel", e);
        }
    }

    int getKernelInfo(MemorySegment kernel, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        try {
            return (int) clGetKernelInfo.invokeExact(kernel, param, size, value, sizeRet);
        } catch (Throwable e) {
            throw unexpected("clGetKernelInfo", e);
        }
    }

    int getKernelArgInfo(MemorySegment kernel, int arg, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        try {
            return (int) clGetKernelArgInfo.invokeExact(kernel, arg, param, size, value, sizeRet);
        } catch (Throwable e) {
            throw unexpected("clGetKernelArgInfo", e);
        }
    }

    int setKernelArg(MemorySegment kernel, int index, long size, MemorySegment value) {
        try {
            return (int) clSetKernelArg.invokeExact(kernel, index, size, value);
        } catch (Throwable e) {
            throw unexpected("clSetKernelArg", e);
        }
    }

    /** No global offset, no wait list; {@code event} receives the launch's event unless it is NULL. */
    int enqueueNDRangeKernel(MemorySegment queue, MemorySegment kernel, int dimensions, MemorySegment globalSize,
            MemorySegment localSize, MemorySegment event) {
        try {
            return (int) clEnqueueNDRangeKernel.invokeExact(queue, kernel, dimensions, MemorySegment.NULL, globalSize, localSize,
                    0, MemorySegment.NULL, event);
        } catch (Throwable e) {
            throw unexpected("clEnqueueNDRangeKernel", e);
        }
    }

    int finish(MemorySegment queue) {
        return callOnHandle(clFinish, "clFinish", queue);
    }

    int getEventProfilingInfo(MemorySegment event, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        try {
            return (int) clGetEventProfilingInfo.invokeExact(event, param, size, value, sizeRet);
        } catch (Throwable e) {
            throw unexpected("clGetEventProfilingInfo", e);
        }
    }

    int releaseEvent(MemorySegment event) {
        return callOnHandle(clReleaseEvent, "clReleaseEvent", event);
    }

    // --- releases ---

    int releaseMemObject(MemorySegment buffer) {
        return callOnHandle(clReleaseMemObject, "clReleaseMemObject", buffer);
    }

    int releaseKernel(MemorySegment kernel) {
        return callOnHandle(clReleaseKernel, "clReleaseKernel", kernel);
    }

    int releaseProgram(MemorySegment program) {
        return callOnHandle(clReleaseProgram, "clReleaseProgram", program);
    }

    int releaseCommandQueue(MemorySegment queue) {
        return callOnHandle(clReleaseCommandQueue, "clReleaseCommandQueue", queue);
    }

    int releaseContext(MemorySegment context) {
        return callOnHandle(clReleaseContext, "clReleaseContext", context);
    }

    private static int callOnHandle(MethodHandle function, String name, MemorySegment handle) {
        try {
            return (int) function.invokeExact(handle);
        } catch (Throwable e) {
            throw unexpected(name, e);
        }
    }
}
