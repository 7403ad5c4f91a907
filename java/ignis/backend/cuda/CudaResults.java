package ignis.backend.cuda;

import ignis.backend.device.DeviceException;
import jcuda.driver.CUresult;

/** Turns the driver's result codes into {@link DeviceException}s that say where and what failed. */
final class CudaResults {
    private CudaResults() {
    }

    /** Throws unless {@code result} is {@code CUDA_SUCCESS}: "{@code <device>: <call> failed: CUDA_ERROR_...}". */
    static void check(int result, String device, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new DeviceException(device + ": " + call + " failed: " + CUresult.stringFor(result));
        }
    }
}
