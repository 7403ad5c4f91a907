package ignis.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.backend.device.DeviceException;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenClDiscoveryTest {

    @Test
    void listsDevicesWithNamesMemoryAndLimits() {
        OpenClDiscovery discovery = OpenClTestDevices.requireDevices();
        List<OpenClDeviceInfo> devices = discovery.devices();
        assertFalse(devices.isEmpty());
        assertEquals(null, discovery.unavailableReason());
        for (int i = 0; i < devices.size(); i++) {
            OpenClDeviceInfo d = devices.get(i);
            System.out.println(d.summary() + " extensions " + d.extensions());
            assertEquals(i, d.index(), "flat index");
            assertFalse(d.deviceName().isBlank(), d.summary());
            assertFalse(d.platformName().isBlank(), d.summary());
            assertTrue(d.globalMemory() > 0, d.summary());
            assertTrue(d.maxAllocation() > 0 && d.maxAllocation() <= d.globalMemory(), d.summary());
            assertTrue(d.computeUnits() > 0, d.summary());
            assertTrue(d.maxWorkGroupSize() > 0, d.summary());
            assertTrue(d.openClCVersion().startsWith("OpenCL C"), d.openClCVersion());
            assertNotNull(d.type());
            assertFalse(d.extensions().contains(""), "extensions split cleanly: " + d.extensions());
        }
    }

    @Test
    void aMissingLoaderIsNamedInTheError() {
        DeviceException e = assertThrows(DeviceException.class, () -> OpenCl.load(List.of("libOpenCL-absent-for-test.so.9")));
        assertTrue(e.getMessage().contains("libOpenCL-absent-for-test.so.9"), e.getMessage());
        assertTrue(e.getMessage().contains("install"), e.getMessage());
    }

    @Test
    void errorCodesAreNamed() {
        assertEquals("CL_OUT_OF_RESOURCES (-5)", ClStatus.name(-5));
        assertEquals("CL_MEM_OBJECT_ALLOCATION_FAILURE (-4)", ClStatus.name(-4));
        assertEquals("CL_BUILD_PROGRAM_FAILURE (-11)", ClStatus.name(-11));
        assertEquals("CL_INVALID_KERNEL_NAME (-46)", ClStatus.name(-46));
        assertEquals("unknown OpenCL error (-9999)", ClStatus.name(-9999));
        DeviceException e = ClStatus.failure(-54, "dev (opencl:0)", "clEnqueueNDRangeKernel");
        assertEquals("dev (opencl:0): clEnqueueNDRangeKernel failed: CL_INVALID_WORK_GROUP_SIZE (-54)", e.getMessage());
    }
}
