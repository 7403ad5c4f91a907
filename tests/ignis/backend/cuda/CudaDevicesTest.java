package ignis.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.backend.device.DeviceException;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Discovery on any host: devices with sane properties, or none and a reason naming the driver. */
class CudaDevicesTest {

    @Test
    void discoveryNeverThrowsAndExplainsAnEmptyList() {
        CudaDiscovery discovery = assertDoesNotThrow(CudaDevices::discover);
        System.out.println("CUDA discovery: " + (discovery.devices().isEmpty() ? discovery.reason() : discovery.devices()));
        if (discovery.devices().isEmpty()) {
            assertFalse(discovery.reason().isBlank(), "an empty list comes with a reason");
            assertTrue(discovery.reason().toLowerCase(Locale.ROOT).contains("driver"), discovery.reason());
        } else {
            assertEquals("", discovery.reason());
            for (int i = 0; i < discovery.devices().size(); i++) {
                CudaDeviceInfo device = discovery.devices().get(i);
                assertEquals(i, device.index());
                assertFalse(device.name().isBlank());
                assertTrue(device.computeMajor() >= 3, device.toString());
                assertTrue(device.totalMemory() > 0, device.toString());
                assertTrue(device.multiprocessors() > 0, device.toString());
                assertTrue(device.driverVersion() >= 1000, device.toString());
            }
        }
    }

    @Test
    void discoveryIsRepeatable() {
        CudaDiscovery first = CudaDevices.discover();
        CudaDiscovery second = CudaDevices.discover();
        assertEquals(first.devices(), second.devices());
        assertEquals(first.reason(), second.reason());
    }

    @Test
    void openingWithoutADeviceSaysWhy() {
        CudaDiscovery discovery = CudaDevices.discover();
        if (discovery.devices().isEmpty()) {
            DeviceException e = assertThrows(DeviceException.class, () -> CudaDevices.open(0));
            assertEquals(discovery.reason(), e.getMessage());
        } else {
            int missing = discovery.devices().size();
            assertThrows(DeviceException.class, () -> CudaDevices.open(missing));
        }
    }

    @Test
    void deviceInfoNamesItsVersions() {
        CudaDeviceInfo h200 = new CudaDeviceInfo(0, "NVIDIA H200", 9, 0, 150L << 30, 132, 13000);
        assertEquals("9.0", h200.computeCapability());
        assertEquals(90, h200.archVersion());
        assertEquals("13.0", h200.driverVersionString());
        assertEquals("NVIDIA H200 (cuda:0)", h200.deviceName());
        assertEquals(89, new CudaDeviceInfo(1, "NVIDIA L4", 8, 9, 1, 58, 12040).archVersion());
        assertEquals("12.4", new CudaDeviceInfo(1, "NVIDIA L4", 8, 9, 1, 58, 12040).driverVersionString());
    }
}
