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
    private static List<DeviceOps> opened;
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
}
