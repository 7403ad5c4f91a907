package ignis.backend.device;

/** Device memory ran out: says what was being allocated, how many bytes, and how many were free. */
public final class DeviceOutOfMemoryException extends DeviceException {
    private final long requested;
    private final long free;

    public DeviceOutOfMemoryException(String device, String purpose, long requested, long free) {
        super(device + ": out of device memory allocating " + purpose + ": needed " + mib(requested)
                + ", free " + mib(free));
        this.requested = requested;
        this.free = free;
    }

    public long requested() {
        return requested;
    }

    public long free() {
        return free;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB (%d bytes)", bytes / 1048576.0, bytes);
    }
}
