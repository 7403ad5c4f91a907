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

    /**
     * The subgroup extension the kernels' reductions use here, or null (then they reduce in local
     * memory): cl_khr_subgroups from OpenCL C 2.0 on, else cl_intel_subgroups (also on 1.2).
     */
    public String subgroupExtension() {
        if (hasExtension("cl_khr_subgroups") && openClCMajorVersion() >= 2) {
            return "cl_khr_subgroups";
        }
        return hasExtension("cl_intel_subgroups") ? "cl_intel_subgroups" : null;
    }

    /** X of the device's "OpenCL C X.Y ..." (1 when it cannot be read). */
    public int openClCMajorVersion() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("OpenCL C (\\d+)\\.").matcher(openClCVersion);
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }

    /** One line for {@code ignis devices}, e.g. {@code "0: pthread-haswell (CPU, 3.4 GiB, 2 CU) on Portable Computing Language"}. */
    public String summary() {
        String subgroups = subgroupExtension();
        return String.format(Locale.ROOT, "%d: %s (%s, %.1f GiB, %d compute units, work-group <= %d, %s, %s) on %s [platform %d, device %d]",
                index, deviceName, type, globalMemory / 1073741824.0, computeUnits, maxWorkGroupSize, openClCVersion,
                subgroups == null ? "no subgroups" : subgroups, platformName, platformIndex, deviceIndex);
    }
}
