package ignis.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.backend.device.DeviceException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The choice of cubin or PTX per kernel source for a device's compute capability. */
class CudaKernelImagesTest {
    private static final List<String> INDEX = List.of(
            "gemv.compute_80.ptx", "gemv.compute_90.ptx",
            "gemv.sm_80.cubin", "gemv.sm_86.cubin", "gemv.sm_89.cubin", "gemv.sm_90.cubin",
            "rmsnorm.compute_80.ptx", "rmsnorm.compute_90.ptx", "rmsnorm.sm_80.cubin", "rmsnorm.sm_90.cubin",
            "index.txt");

    private static List<String> chosen(int arch) {
        return CudaKernelImages.select(INDEX, arch, "test GPU").stream().map(CudaKernelImages.Image::file).toList();
    }

    @Test
    void exactCubinWins() {
        assertEquals(List.of("gemv.sm_90.cubin", "rmsnorm.sm_90.cubin"), chosen(90));
        assertEquals(List.of("gemv.sm_86.cubin", "rmsnorm.compute_80.ptx"), chosen(86));
    }

    @Test
    void otherwiseTheHighestPtxNotAboveTheDevice() {
        assertEquals(List.of("gemv.compute_80.ptx", "rmsnorm.compute_80.ptx"), chosen(87));
        assertEquals(List.of("gemv.compute_90.ptx", "rmsnorm.compute_90.ptx"), chosen(100));
        assertEquals(List.of("gemv.compute_90.ptx", "rmsnorm.compute_90.ptx"), chosen(120));
    }

    @Test
    void aDeviceOlderThanEveryImageIsAnError() {
        DeviceException e = assertThrows(DeviceException.class, () -> chosen(75));
        assertTrue(e.getMessage().contains("test GPU") && e.getMessage().contains("7.5"), e.getMessage());
    }

    @Test
    void filesThatAreNoKernelImagesAreIgnored() {
        assertEquals(List.of("gemv", "rmsnorm"), List.copyOf(CudaKernelImages.bySource(INDEX).keySet()));
        assertEquals(List.of(), CudaKernelImages.select(List.of("index.txt", "notes.md"), 90, "test GPU"));
    }
}
