package ignis.backend.cuda;

import static jcuda.driver.JCudaDriver.cuInit;

import ignis.backend.device.DeviceException;
import java.util.Optional;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * JCuda's driver binding, loaded and initialised (cuInit) once per JVM. Loading needs only
 * libcuda.so.1; where it is missing, or cuInit fails, {@link #unavailableReason} says why instead
 * of throwing, so discovery works on every host.
 */
final class CudaDriver {
    /** Null once the driver is usable. */
    private static final String UNAVAILABLE = initialise();

    private CudaDriver() {
    }

    /** Why CUDA cannot be used here (mentioning the driver), or empty when it can. */
    static Optional<String> unavailableReason() {
        return Optional.ofNullable(UNAVAILABLE);
    }

    /** Throws a {@link DeviceException} with the reason when CUDA cannot be used. */
    static void requireAvailable() {
        if (UNAVAILABLE != null) {
            throw new DeviceException(UNAVAILABLE);
        }
    }

    private static String initialise() {
        try {
            // Our own checks of every result code, so error messages name our device and call.
            JCudaDriver.setExceptionsEnabled(false);
            int result = cuInit(0);
            if (result == CUresult.CUDA_ERROR_NO_DEVICE) {
                return "CUDA: the NVIDIA driver found no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE)";
            }
            if (result != CUresult.CUDA_SUCCESS) {
                return "CUDA: the NVIDIA driver failed to initialise (cuInit: " + CUresult.stringFor(result) + ")";
            }
            return null;
        } catch (Throwable loadFailure) {
            // UnsatisfiedLinkError (no libcuda.so.1), or NoClassDefFoundError after a failed static init.
            return reasonFor(loadFailure);
        }
    }

    private static String reasonFor(Throwable loadFailure) {
        String message = String.valueOf(loadFailure.getMessage());
        if (message.contains("libcuda.so")) {
            return "CUDA: libcuda.so.1 not found (no NVIDIA driver)";
        }
        return "CUDA: JCuda's driver library could not be loaded: " + loadFailure.getClass().getSimpleName()
                + ": " + message.lines().findFirst().orElse("");
    }
}
