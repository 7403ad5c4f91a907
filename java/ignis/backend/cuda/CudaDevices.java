package ignis.backend.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;

import ignis.backend.device.DeviceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;

/** Finds the CUDA devices of this host and opens them; never throws just because CUDA is absent. */
public final class CudaDevices {
    private static final String DRIVER = "CUDA driver";

    private CudaDevices() {
    }

    /** Every CUDA device, or an empty list with the reason (no driver, no device, driver error). */
    public static CudaDiscovery discover() {
        Optional<String> unavailable = CudaDriver.unavailableReason();
        if (unavailable.isPresent()) {
            return CudaDiscovery.unavailable(unavailable.get());
        }
        try {
            int[] count = new int[1];
            CudaResults.check(cuDeviceGetCount(count), DRIVER, "cuDeviceGetCount");
            if (count[0] == 0) {
                return CudaDiscovery.unavailable("CUDA: the NVIDIA driver lists no CUDA device");
            }
            List<CudaDeviceInfo> devices = new ArrayList<>();
            for (int index = 0; index < count[0]; index++) {
                devices.add(describe(index));
            }
            return new CudaDiscovery(devices, "");
        } catch (DeviceException e) {
            return CudaDiscovery.unavailable("CUDA: the NVIDIA driver could not describe its devices: " + e.getMessage());
        }
    }

    /** Opens device {@code index}: its primary context and a stream. */
    public static CudaDevice open(int index) {
        CudaDriver.requireAvailable();
        return new CudaDevice(describe(index));
    }

    static CUdevice handle(int index, String device) {
        CUdevice handle = new CUdevice();
        CudaResults.check(cuDeviceGet(handle, index), device, "cuDeviceGet(" + index + ")");
        return handle;
    }

    private static CudaDeviceInfo describe(int index) {
        String where = "cuda:" + index;
        CUdevice device = handle(index, where);
        byte[] name = new byte[256];
        CudaResults.check(cuDeviceGetName(name, name.length, device), where, "cuDeviceGetName");
        long[] totalMemory = new long[1];
        CudaResults.check(cuDeviceTotalMem(totalMemory, device), where, "cuDeviceTotalMem");
        int[] driverVersion = new int[1];
        CudaResults.check(cuDriverGetVersion(driverVersion), where, "cuDriverGetVersion");
        return new CudaDeviceInfo(index, CStrings.decode(name),
                attribute(device, where, CudaDeviceAttribute.COMPUTE_MAJOR),
                attribute(device, where, CudaDeviceAttribute.COMPUTE_MINOR),
                totalMemory[0],
                attribute(device, where, CudaDeviceAttribute.MULTIPROCESSORS),
                driverVersion[0]);
    }

    private enum CudaDeviceAttribute {
        COMPUTE_MAJOR(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
        COMPUTE_MINOR(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
        MULTIPROCESSORS(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);

        final int code;

        CudaDeviceAttribute(int code) {
            this.code = code;
        }
    }

    private static int attribute(CUdevice device, String where, CudaDeviceAttribute attribute) {
        int[] value = new int[1];
        CudaResults.check(cuDeviceGetAttribute(value, attribute.code, device), where,
                "cuDeviceGetAttribute(" + attribute + ")");
        return value[0];
    }
}
