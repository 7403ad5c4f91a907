package ignis.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import ignis.backend.device.DeviceException;
import ignis.backend.device.Kernel;
import ignis.backend.device.KernelLibrary;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One OpenCL program built from source for one device, and its kernels by name (each created
 * once, on first lookup). Released with its {@link OpenClDevice}.
 */
public final class OpenClKernels implements KernelLibrary {
    /**
     * Arg info lets launches check argument types. No -cl-fast-relaxed-math: results must match
     * the CPU backend's IEEE arithmetic.
     */
    private static final String COMMON_OPTIONS = "-cl-kernel-arg-info";

    private static final int CL_PROGRAM_KERNEL_NAMES = 0x1168;
    private static final int CL_PROGRAM_BUILD_LOG = 0x1183;
    private static final int CL_KERNEL_NUM_ARGS = 0x1191;
    private static final int CL_KERNEL_ARG_ADDRESS_QUALIFIER = 0x1196;
    private static final int CL_KERNEL_ARG_TYPE_NAME = 0x1198;
    private static final int CL_KERNEL_ARG_ADDRESS_LOCAL = 0x119C;
    private static final int CL_KERNEL_ARG_ADDRESS_PRIVATE = 0x119E;

    private final OpenClDevice device;
    private final OpenCl cl;
    private final MemorySegment program;
    private final String buildLog;
    private final Map<String, OpenClKernel> kernels = new HashMap<>();
    private boolean released;

    private OpenClKernels(OpenClDevice device, MemorySegment program, String buildLog) {
        this.device = device;
        this.cl = device.cl();
        this.program = program;
        this.buildLog = buildLog;
    }

    /**
     * The clBuildProgram options for {@code info}'s device: OpenCL C 1.2 as the portable kernels
     * are written, or, where the device has subgroups ({@link OpenClDeviceInfo#subgroupExtension}),
     * the language version that has them and IGNIS_SUBGROUPS (tornado/prelude_opencl.h); then
     * {@code extra}.
     */
    public static String buildOptions(OpenClDeviceInfo info, String extra) {
        String subgroups = info.subgroupExtension();
        String language;
        if (subgroups == null) {
            language = "-cl-std=CL1.2";
        } else if (subgroups.equals("cl_khr_subgroups")) {
            language = (info.openClCMajorVersion() >= 3 ? "-cl-std=CL3.0" : "-cl-std=CL2.0") + " -D IGNIS_SUBGROUPS";
        } else {
            language = "-cl-std=CL1.2 -D IGNIS_SUBGROUPS";
        }
        return (language + " " + COMMON_OPTIONS + " " + extra).strip();
    }

    /** Compiles {@code source} for {@code device} with {@code options}; a failed build throws with the full build log. */
    static OpenClKernels build(OpenClDevice device, String source, String options) {
        OpenCl cl = device.cl();
        String where = device.name();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment program = cl.createProgramWithSource(device.context(), 1,
                    arena.allocateFrom(ADDRESS, arena.allocateFrom(source)), MemorySegment.NULL, status);
            ClStatus.check(status.get(JAVA_INT, 0), where, "clCreateProgramWithSource");
            int built = cl.buildProgram(program, 1, arena.allocateFrom(ADDRESS, device.deviceId()), arena.allocateFrom(options));
            String log;
            try {
                log = ClInfo.string((param, size, value, ret) -> cl.getProgramBuildInfo(program, device.deviceId(), param, size, value, ret),
                        CL_PROGRAM_BUILD_LOG, where, "clGetProgramBuildInfo(CL_PROGRAM_BUILD_LOG)");
            } catch (DeviceException e) {
                log = "(no build log: " + e.getMessage() + ")";
            }
            if (built != ClStatus.CL_SUCCESS) {
                cl.releaseProgram(program);
                throw new DeviceException(where + ": building the OpenCL program failed (clBuildProgram with " + options + ": "
                        + ClStatus.name(built) + "); build log:\n" + log);
            }
            return new OpenClKernels(device, program, log);
        }
    }

    @Override
    public Kernel kernel(String name) {
        if (released) {
            throw new IllegalStateException("the OpenCL program of " + device.name() + " is released (device closed)");
        }
        OpenClKernel kernel = kernels.get(name);
        if (kernel == null) {
            kernel = create(name);
            kernels.put(name, kernel);
        }
        return kernel;
    }

    /** The compiler's messages (warnings) of a successful build; often empty. */
    public String buildLog() {
        return buildLog;
    }

    /** The kernels the program defines. */
    public List<String> kernelNames() {
        String names = ClInfo.string((param, size, value, ret) -> cl.getProgramInfo(program, param, size, value, ret),
                CL_PROGRAM_KERNEL_NAMES, device.name(), "clGetProgramInfo(CL_PROGRAM_KERNEL_NAMES)");
        return names.isEmpty() ? List.of() : Arrays.asList(names.split(";"));
    }

    private OpenClKernel create(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            MemorySegment handle = cl.createKernel(program, arena.allocateFrom(name), status);
            int code = status.get(JAVA_INT, 0);
            if (code == ClStatus.CL_INVALID_KERNEL_NAME) {
                throw new DeviceException(device.name() + ": no kernel '" + name + "' in the OpenCL program (clCreateKernel: "
                        + ClStatus.name(code) + "); it has " + kernelNames());
            }
            ClStatus.check(code, device.name(), "clCreateKernel(" + name + ")");
            try {
                return describe(handle, name);
            } catch (RuntimeException e) {
                cl.releaseKernel(handle);
                throw e;
            }
        }
    }

    private OpenClKernel describe(MemorySegment handle, String name) {
        String where = device.name();
        int count = ClInfo.uint((param, size, value, ret) -> cl.getKernelInfo(handle, param, size, value, ret),
                CL_KERNEL_NUM_ARGS, where, "clGetKernelInfo(" + name + ", CL_KERNEL_NUM_ARGS)");
        OpenClKernel.Parameter[] parameters = new OpenClKernel.Parameter[count];
        String[] typeNames = new String[count];
        for (int i = 0; i < count; i++) {
            int arg = i;
            ClInfo.Query query = (param, size, value, ret) -> cl.getKernelArgInfo(handle, arg, param, size, value, ret);
            try {
                int qualifier = ClInfo.uint(query, CL_KERNEL_ARG_ADDRESS_QUALIFIER, where, "clGetKernelArgInfo");
                typeNames[i] = ClInfo.string(query, CL_KERNEL_ARG_TYPE_NAME, where, "clGetKernelArgInfo");
                parameters[i] = parameter(qualifier, typeNames[i]);
            } catch (DeviceException e) {
                // CL_KERNEL_ARG_INFO_NOT_AVAILABLE on drivers that drop it: launches then trust the caller
                typeNames[i] = "?";
                parameters[i] = OpenClKernel.Parameter.UNCHECKED;
            }
        }
        return new OpenClKernel(device, handle, name, parameters, typeNames);
    }

    private static OpenClKernel.Parameter parameter(int addressQualifier, String typeName) {
        if (addressQualifier == CL_KERNEL_ARG_ADDRESS_LOCAL) {
            return OpenClKernel.Parameter.LOCAL_MEMORY;
        }
        if (addressQualifier != CL_KERNEL_ARG_ADDRESS_PRIVATE) {
            return OpenClKernel.Parameter.BUFFER; // __global or __constant pointer
        }
        return switch (typeName) {
            case "int", "uint", "unsigned int" -> OpenClKernel.Parameter.INT;
            case "float" -> OpenClKernel.Parameter.FLOAT;
            default -> OpenClKernel.Parameter.UNCHECKED;
        };
    }

    /** Releases the kernels, then the program; called once by the device. */
    void release() {
        if (released) {
            return;
        }
        released = true;
        for (OpenClKernel kernel : kernels.values()) {
            cl.releaseKernel(kernel.handle);
        }
        kernels.clear();
        cl.releaseProgram(program);
    }
}
