package ignis.backend.opencl;

import ignis.backend.device.Kernel;
import java.lang.foreign.MemorySegment;

/**
 * A cl_kernel with what its parameters take, read once with clGetKernelArgInfo so a launch can
 * refuse an Integer for a float (same size: OpenCL itself would take its bits silently).
 */
final class OpenClKernel implements Kernel {
    /** What a parameter accepts from {@link OpenClDevice#launch}. */
    enum Parameter {
        BUFFER, INT, FLOAT, LOCAL_MEMORY, UNCHECKED;

        boolean accepts(Object argument) {
            return switch (this) {
                case BUFFER -> argument instanceof OpenClBuffer;
                case INT -> argument instanceof Integer;
                case FLOAT -> argument instanceof Float;
                case LOCAL_MEMORY -> false;
                case UNCHECKED -> true;
            };
        }
    }

    final OpenClDevice device;
    final MemorySegment handle;
    private final String name;
    private final Parameter[] parameters;
    private final String[] typeNames;

    OpenClKernel(OpenClDevice device, MemorySegment handle, String name, Parameter[] parameters, String[] typeNames) {
        this.device = device;
        this.handle = handle;
        this.name = name;
        this.parameters = parameters;
        this.typeNames = typeNames;
    }

    @Override
    public String name() {
        return name;
    }

    int parameterCount() {
        return parameters.length;
    }

    Parameter parameter(int index) {
        return parameters[index];
    }

    /** The OpenCL C type, e.g. {@code "float*"}, or "?" where the driver kept no argument info. */
    String typeName(int index) {
        return typeNames[index];
    }

    @Override
    public String toString() {
        return name + " on " + device.name();
    }
}
