package ignis.backend.opencl;

import java.util.List;
import java.util.Locale;

/**
 * One OpenCL device as discovery found it. {@code index} is its place in the flat list over all
 * platforms (what {@code --device N} selects); {@code platformIndex}/{@code deviceIndex} say where
 * OpenCL lists it. Memory sizes are in bytes.
 */
public record OpenClDeviceInfo(
        int index,
        int platformIndex,
        int deviceIndex,
        String platformName,
        String deviceName,
        Type type,
        long globalMemory,
        long maxAllocation,
        long localMemory,
        int computeUnits,
        long maxWorkGroupSize,
        String openClCVersion,
        List<String> extensions) {

    /** CL_DEVICE_TYPE, reduced to the kind that matters for choosing a device. */
    public enum Type {
        CPU, GPU, ACCELERATOR, OTHER;

        static Type of(long clDeviceType) {
            if ((clDeviceType & 4) != 0) {
                return GPU;
            }
            if ((clDeviceType & 8) != 0) {
                return ACCELERATOR;
            }
            return (clDeviceType & 2) != 0 ? CPU : OTHER;
        }
    }

    public OpenClDeviceInfo {
        extensions = List.copyOf(extensions);
    }

    public boolean hasExtension(String extension) {
        return extensions.contains(extension);
    }

    /** One line for {@code ignis devices}, e.g. {@code "0: pthread-haswell (CPU, 3.4 GiB, 2 CU) on Portable Computing Language"}. */
    public String summary() {
        return String.format(Locale.ROOT, "%d: %s (%s, %.1f GiB, %d compute units, work-group <= %d, %s) on %s [platform %d, device %d]",
                index, deviceName, type, globalMemory / 1073741824.0, computeUnits, maxWorkGroupSize, openClCVersion,
                platformName, platformIndex, deviceIndex);
    }
}
