package ignis.backend.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import ignis.backend.device.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The OpenCL devices of this machine, over all platforms, in one flat list. Never throws: where
 * OpenCL is missing or lists nothing, {@code devices} is empty and {@code unavailableReason} says
 * why. {@code problems} names platforms that were skipped because querying them failed.
 */
public record OpenClDiscovery(List<OpenClDeviceInfo> devices, String unavailableReason, List<String> problems) {
    static final String WHERE = "OpenCL";
    private static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    private static final int CL_PLATFORM_NAME = 0x0902;
    private static final int CL_DEVICE_TYPE = 0x1000;
    private static final int CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    private static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    private static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    private static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    private static final int CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
    private static final int CL_DEVICE_NAME = 0x102B;
    private static final int CL_DEVICE_EXTENSIONS = 0x1030;
    private static final int CL_DEVICE_OPENCL_C_VERSION = 0x103D;

    public OpenClDiscovery {
        devices = List.copyOf(devices);
        problems = List.copyOf(problems);
    }

    /** Lists the devices; see the type's comment for what it says when there are none. */
    public static OpenClDiscovery discover() {
        OpenCl cl;
        try {
            cl = OpenCl.load();
        } catch (DeviceException e) {
            return new OpenClDiscovery(List.of(), e.getMessage(), List.of());
        }
        return discover(cl);
    }

    static OpenClDiscovery discover(OpenCl cl) {
        List<String> problems = new ArrayList<>();
        try {
            List<OpenClDeviceInfo> devices = enumerate(cl, problems).stream().map(Found::info).toList();
            return new OpenClDiscovery(devices, devices.isEmpty() ? noDevices(cl, problems) : null, problems);
        } catch (DeviceException e) {
            return new OpenClDiscovery(List.of(), e.getMessage(), problems);
        }
    }

    public boolean available() {
        return !devices.isEmpty();
    }

    /** A device with the handles needed to open it. */
    record Found(OpenClDeviceInfo info, MemorySegment platform, MemorySegment device) {
    }

    /**
     * Every device of every platform. A platform that fails to answer is skipped (noted in
     * {@code problems}) so one broken driver does not hide the others; no platform at all throws.
     */
    static List<Found> enumerate(OpenCl cl, List<String> problems) {
        List<Found> found = new ArrayList<>();
        List<MemorySegment> platforms = platforms(cl);
        for (int p = 0; p < platforms.size(); p++) {
            MemorySegment platform = platforms.get(p);
            try {
                String platformName = ClInfo.string((param, size, value, ret) -> cl.getPlatformInfo(platform, param, size, value, ret),
                        CL_PLATFORM_NAME, WHERE + " platform " + p, "clGetPlatformInfo(CL_PLATFORM_NAME)");
                List<MemorySegment> ids = devices(cl, platform, p);
                for (int d = 0; d < ids.size(); d++) {
                    found.add(new Found(describe(cl, found.size(), p, d, platformName, ids.get(d)), platform, ids.get(d)));
                }
            } catch (DeviceException e) {
                problems.add("platform " + p + " skipped: " + e.getMessage());
            }
        }
        return found;
    }

    private static List<MemorySegment> platforms(OpenCl cl) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int status = cl.getPlatformIDs(0, MemorySegment.NULL, count);
            if (status == ClStatus.CL_PLATFORM_NOT_FOUND_KHR || (status == ClStatus.CL_SUCCESS && count.get(JAVA_INT, 0) == 0)) {
                throw new DeviceException(noPlatform(cl));
            }
            ClStatus.check(status, WHERE, "clGetPlatformIDs");
            return handles(arena, count.get(JAVA_INT, 0), (n, ids) -> cl.getPlatformIDs(n, ids, MemorySegment.NULL),
                    WHERE, "clGetPlatformIDs");
        }
    }

    private static List<MemorySegment> devices(OpenCl cl, MemorySegment platform, int platformIndex) {
        String where = WHERE + " platform " + platformIndex;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int status = cl.getDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
            if (status == ClStatus.CL_DEVICE_NOT_FOUND) {
                return List.of(); // a platform without devices is not an error
            }
            ClStatus.check(status, where, "clGetDeviceIDs");
            return handles(arena, count.get(JAVA_INT, 0),
                    (n, ids) -> cl.getDeviceIDs(platform, CL_DEVICE_TYPE_ALL, n, ids, MemorySegment.NULL), where, "clGetDeviceIDs");
        }
    }

    private interface ListCall {
        int call(int entries, MemorySegment ids);
    }

    private static List<MemorySegment> handles(Arena arena, int count, ListCall list, String where, String call) {
        MemorySegment ids = arena.allocate(ADDRESS, Math.max(count, 1));
        ClStatus.check(list.call(count, ids), where, call);
        List<MemorySegment> handles = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            handles.add(ids.getAtIndex(ADDRESS, i));
        }
        return handles;
    }

    private static OpenClDeviceInfo describe(OpenCl cl, int index, int platformIndex, int deviceIndex, String platformName,
            MemorySegment device) {
        ClInfo.Query query = (param, size, value, ret) -> cl.getDeviceInfo(device, param, size, value, ret);
        String where = WHERE + " platform " + platformIndex + " device " + deviceIndex;
        String call = "clGetDeviceInfo";
        String extensions = ClInfo.string(query, CL_DEVICE_EXTENSIONS, where, call);
        return new OpenClDeviceInfo(index, platformIndex, deviceIndex, platformName,
                ClInfo.string(query, CL_DEVICE_NAME, where, call),
                OpenClDeviceInfo.Type.of(ClInfo.ulong(query, CL_DEVICE_TYPE, where, call)),
                ClInfo.ulong(query, CL_DEVICE_GLOBAL_MEM_SIZE, where, call),
                ClInfo.ulong(query, CL_DEVICE_MAX_MEM_ALLOC_SIZE, where, call),
                ClInfo.ulong(query, CL_DEVICE_LOCAL_MEM_SIZE, where, call),
                ClInfo.uint(query, CL_DEVICE_MAX_COMPUTE_UNITS, where, call),
                ClInfo.ulong(query, CL_DEVICE_MAX_WORK_GROUP_SIZE, where, call),
                ClInfo.string(query, CL_DEVICE_OPENCL_C_VERSION, where, call),
                extensions.isBlank() ? List.of() : Arrays.asList(extensions.split("\\s+")));
    }

    private static String noPlatform(OpenCl cl) {
        return "OpenCL: no platform found (" + cl.library + " loaded, 0 platforms; install an ICD such as pocl-opencl-icd)";
    }

    static String noDevices(OpenCl cl, List<String> problems) {
        return "OpenCL: no device found (" + cl.library + " loaded"
                + (problems.isEmpty() ? ", its platforms list no devices)" : "; " + String.join("; ", problems) + ")");
    }
}
