package ignis.backend.device;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ignis.backend.cuda.CudaDevices;
import ignis.backend.cuda.CudaDiscovery;
import ignis.backend.opencl.OpenClDevice;
import ignis.backend.opencl.OpenClDiscovery;
import java.util.ArrayList;
import java.util.List;

/**
 * Every device of this machine the conformance tests run on: each OpenCL device (PoCL in CI)
 * and each CUDA device, opened once per JVM. With none, tests skip and print why.
 */
public final class TestDevices {
    static final int EMULATED_SUBGROUP_SIZE = 8;
    private static List<DeviceOps> opened;
    private static List<DeviceOps> withEmulatedSubgroups;
    private static String missing;

    private TestDevices() {
    }

    /** The devices' kernel sets; skips the calling test (or test factory) when there is none. */
    public static synchronized List<DeviceOps> ops() {
        if (opened == null) {
            List<DeviceOps> found = new ArrayList<>();
            List<String> reasons = new ArrayList<>();
            OpenClDiscovery openCl = OpenClDiscovery.discover();
            if (openCl.available()) {
                String program = KernelSources.openClProgram();
                for (int i = 0; i < openCl.devices().size(); i++) {
                    found.add(new DeviceOps(OpenClDevice.open(i, program)));
                }
            } else {
                reasons.add(openCl.unavailableReason());
            }
            CudaDiscovery cuda = CudaDevices.discover();
            for (int i = 0; i < cuda.devices().size(); i++) {
                found.add(new DeviceOps(CudaDevices.open(i)));
            }
            if (cuda.devices().isEmpty()) {
                reasons.add(cuda.reason());
            }
            opened = found;
            missing = String.join("; ", reasons);
            System.out.println("device tests run on " + found + (missing.isEmpty() ? "" : "; not available: " + missing));
        }
        assumeTrue(!opened.isEmpty(), () -> "no compute device: " + missing);
        return opened;
    }

    /**
     * {@link #ops()}, and where no OpenCL device has subgroups (CI's have none) the first one once
     * more with subgroups of {@value #EMULATED_SUBGROUP_SIZE} emulated, so the two-level reductions
     * a subgroup device builds (tornado/prelude_opencl.h) run here too: for the kernel tests.
     */
    public static synchronized List<DeviceOps> kernelOps() {
        List<DeviceOps> devices = ops();
        if (withEmulatedSubgroups == null) {
            List<DeviceOps> all = new ArrayList<>(devices);
            OpenClDiscovery openCl = OpenClDiscovery.discover();
            if (openCl.available() && openCl.devices().stream().allMatch(d -> d.subgroupExtension() == null)) {
                all.add(new DeviceOps(OpenClDevice.open(0, KernelSources.openClProgram(),
                        "-D IGNIS_EMULATED_SUBGROUP_SIZE=" + EMULATED_SUBGROUP_SIZE)));
            }
            withEmulatedSubgroups = all;
        }
        return withEmulatedSubgroups;
    }
}
