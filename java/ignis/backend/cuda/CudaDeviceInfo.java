package ignis.backend.cuda;

import java.util.Locale;

/**
 * What discovery reports about one CUDA device.
 *
 * @param index the driver's device ordinal ({@code cuda:<index>})
 * @param name the product name, e.g. {@code "NVIDIA H200"}
 * @param computeMajor compute capability, major part (9 for sm_90)
 * @param computeMinor compute capability, minor part
 * @param totalMemory bytes of device memory
 * @param multiprocessors streaming multiprocessors (SMs)
 * @param driverVersion the driver's CUDA version as the driver reports it, e.g. 13000 for 13.0
 */
public record CudaDeviceInfo(int index, String name, int computeMajor, int computeMinor, long totalMemory,
                             int multiprocessors, int driverVersion) {

    /** E.g. {@code "9.0"}. */
    public String computeCapability() {
        return computeMajor + "." + computeMinor;
    }

    /** The XY of sm_XY / compute_XY, e.g. 90; what the kernel images are named by. */
    public int archVersion() {
        return computeMajor * 10 + computeMinor;
    }

    /** Whether the device has the tensor cores gemm_mma.cu's mma.sync m16n8k16 needs (sm_80 on). */
    public boolean hasTensorCores() {
        return computeMajor >= 8;
    }

    /** E.g. {@code "13.0"}. */
    public String driverVersionString() {
        return driverVersion / 1000 + "." + driverVersion % 1000 / 10;
    }

    /** The {@link ignis.backend.device.Device#name()} form: {@code "NVIDIA H200 (cuda:0)"}. */
    public String deviceName() {
        return name + " (cuda:" + index + ")";
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: compute %s, %.1f GiB, %d SMs, driver CUDA %s", deviceName(),
                computeCapability(), totalMemory / (double) (1L << 30), multiprocessors, driverVersionString());
    }
}
