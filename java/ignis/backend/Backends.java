package ignis.backend;

import ignis.IgnisException;
import ignis.backend.cpu.CpuBackend;
import ignis.backend.cuda.CudaDevices;
import ignis.backend.cuda.CudaDiscovery;
import ignis.backend.device.DeviceBackend;
import ignis.backend.device.KernelSources;
import ignis.backend.opencl.OpenClDevice;
import ignis.backend.opencl.OpenClDeviceInfo;
import ignis.backend.opencl.OpenClDiscovery;

import java.util.List;
import java.util.function.Consumer;

/** Chooses a backend by name: {@code cpu}, {@code cuda[:N]}, {@code opencl[:N]} or {@code auto}. */
public final class Backends {
    public static final String NAMES = "cpu, cuda[:N], opencl[:N], auto";
    /** The --backend option's description. */
    public static final String HELP = "cpu | cuda | opencl | auto (default ${DEFAULT-VALUE}: CUDA if present, else an OpenCL GPU, else the CPU)";

    private Backends() {
    }

    /** The backend {@code spec} names; {@code auto} explains its choice on standard error. */
    public static Backend byName(String spec) {
        return byName(spec, line -> System.err.println("ignis: " + line));
    }

    /** As {@link #byName(String)}, {@code log} hearing auto's one line about its choice. */
    public static Backend byName(String spec, Consumer<String> log) {
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon);
        int index = colon < 0 ? 0 : deviceIndex(spec, spec.substring(colon + 1));
        return switch (kind) {
            case "cpu" -> new CpuBackend();
            case "cuda" -> cuda(index);
            case "opencl" -> openCl(index);
            case "auto" -> auto(log);
            default -> throw new IgnisException("unknown backend '" + spec + "' (available: " + NAMES + ")");
        };
    }

    /** {@code spec} with the device index of a {@code --device} option, if given ({@code opencl} + 1 -> {@code opencl:1}). */
    public static String withDevice(String spec, Integer device) {
        if (device == null) {
            return spec;
        }
        if (spec.contains(":") || !(spec.equals("cuda") || spec.equals("opencl"))) {
            throw new IgnisException("--device " + device + " needs --backend cuda or opencl (got '" + spec + "')");
        }
        return spec + ":" + device;
    }

    private static Backend cuda(int index) {
        return new DeviceBackend("cuda:" + index, () -> CudaDevices.open(index));
    }

    private static Backend openCl(int index) {
        return new DeviceBackend("opencl:" + index, () -> OpenClDevice.open(index, KernelSources.openClProgram()));
    }

    /**
     * The first CUDA device, else the first OpenCL GPU, else the CPU (an OpenCL CPU device such
     * as PoCL is slower than the CPU backend), with one line saying what was chosen and why.
     */
    static Backend auto(Consumer<String> log) {
        CudaDiscovery cuda = CudaDevices.discover();
        if (!cuda.devices().isEmpty()) {
            log.accept("backend auto: " + cuda.devices().get(0));
            return cuda(0);
        }
        OpenClDiscovery openCl = OpenClDiscovery.discover();
        List<OpenClDeviceInfo> gpus = openCl.devices().stream().filter(d -> d.type() == OpenClDeviceInfo.Type.GPU).toList();
        if (!gpus.isEmpty()) {
            log.accept("backend auto: OpenCL device " + gpus.get(0).summary() + " (" + cuda.reason() + ")");
            return openCl(gpus.get(0).index());
        }
        String openClWhy = openCl.available() ? "OpenCL lists no GPU, only " + openCl.devices().stream().map(OpenClDeviceInfo::deviceName).toList()
                : openCl.unavailableReason();
        log.accept("backend auto: using the CPU (" + cuda.reason() + "; " + openClWhy + ")");
        return new CpuBackend();
    }

    private static int deviceIndex(String spec, String text) {
        try {
            int index = Integer.parseInt(text);
            if (index >= 0) {
                return index;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IgnisException("backend '" + spec + "': device index '" + text + "' is not a number >= 0");
    }
}
