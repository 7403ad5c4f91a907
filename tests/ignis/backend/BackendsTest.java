package ignis.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import ignis.backend.cuda.CudaDevices;
import ignis.backend.opencl.OpenClDeviceInfo;
import ignis.backend.opencl.OpenClDiscovery;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Backend names as users write them, and what auto chooses and says. */
class BackendsTest {

    @Test
    void namesParseWithDeviceIndices() {
        assertEquals("cpu", Backends.byName("cpu").name());
        assertEquals("opencl:0", Backends.byName("opencl").name());
        assertEquals("opencl:3", Backends.byName("opencl:3").name());
        assertEquals("cuda:1", Backends.byName("cuda:1").name());
        assertEquals("opencl:2", Backends.withDevice("opencl", 2));
        assertEquals("cuda", Backends.withDevice("cuda", null));
    }

    @Test
    void badNamesAreErrorsThatSayWhatIsAvailable() {
        IgnisException unknown = assertThrows(IgnisException.class, () -> Backends.byName("vulkan"));
        assertTrue(unknown.getMessage().contains("unknown backend 'vulkan'") && unknown.getMessage().contains(Backends.NAMES),
                unknown.getMessage());
        IgnisException index = assertThrows(IgnisException.class, () -> Backends.byName("opencl:x"));
        assertTrue(index.getMessage().contains("device index 'x'"), index.getMessage());
        assertThrows(IgnisException.class, () -> Backends.byName("cuda:-1"));
        IgnisException device = assertThrows(IgnisException.class, () -> Backends.withDevice("cpu", 1));
        assertTrue(device.getMessage().contains("--device 1 needs --backend cuda or opencl"), device.getMessage());
    }

    /** Here (no NVIDIA driver; OpenCL CPU devices only, if any): the CPU, with one line saying why. */
    @Test
    void autoFallsBackToTheCpuAndSaysWhy() {
        boolean cuda = !CudaDevices.discover().devices().isEmpty();
        boolean openClGpu = OpenClDiscovery.discover().devices().stream().anyMatch(d -> d.type() == OpenClDeviceInfo.Type.GPU);
        org.junit.jupiter.api.Assumptions.assumeFalse(cuda || openClGpu, "this machine has a GPU: auto picks it");
        List<String> lines = new ArrayList<>();
        Backend chosen = Backends.byName("auto", lines::add);
        assertEquals("cpu", chosen.name());
        assertEquals(1, lines.size(), lines.toString());
        String line = lines.get(0);
        assertTrue(line.startsWith("backend auto: using the CPU (CUDA"), line);
        assertTrue(line.contains("driver") && line.contains("OpenCL"), line);
    }
}
