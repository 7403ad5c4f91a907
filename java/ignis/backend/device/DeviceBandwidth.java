package ignis.backend.device;

/**
 * The device's memory bandwidth as a device-to-device copy achieves it (bytes read plus bytes
 * written per second): the roofline that GEMV, flash-decoding and a decode step are measured against.
 */
public final class DeviceBandwidth {
    private DeviceBandwidth() {
    }

    /** Copies a buffer of up to {@code maxBytes} (an eighth of free memory at most) {@code reps} times after a warm-up; the best rep counts. */
    public static double measure(Device device, long maxBytes, int reps) {
        long bytes = Math.max(1 << 20, Math.min(maxBytes, device.freeMemory() / 8)) & ~4095L;
        try (DeviceBuffer src = device.allocate(bytes, "bandwidth test source");
             DeviceBuffer dst = device.allocate(bytes, "bandwidth test destination")) {
            device.copy(src, 0, dst, 0, bytes);
            device.synchronize();
            double best = Double.MAX_VALUE;
            for (int i = 0; i < reps; i++) {
                long start = System.nanoTime();
                device.copy(src, 0, dst, 0, bytes);
                device.synchronize();
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
            return 2.0 * bytes / best;
        }
    }
}
