package ignis.backend.device;

import ignis.backend.KvCacheBase;

/**
 * One sequence's keys and values in device memory: per layer, position p's key (kvDim fp16
 * values) at element {@code p * kvDim} of {@link #keys}, its value likewise in {@link #values}.
 */
final class DeviceKvCache extends KvCacheBase {
    final DeviceBuffer[] keys;
    final DeviceBuffer[] values;
    /** The executor's recorded decode step over this cache, and the executor's buffers version it was recorded at. */
    LaunchRecording decodeStep;
    int decodeStepVersion;

    DeviceKvCache(Device device, int layers, int capacity, int kvDim) {
        super(capacity);
        this.keys = new DeviceBuffer[layers];
        this.values = new DeviceBuffer[layers];
        long bytes = (long) capacity * kvDim * 2;
        try {
            for (int layer = 0; layer < layers; layer++) {
                keys[layer] = device.allocate(bytes, "KV cache keys of layer " + layer + " (" + capacity + " positions)");
                values[layer] = device.allocate(bytes, "KV cache values of layer " + layer + " (" + capacity + " positions)");
            }
        } catch (RuntimeException e) {
            free();
            throw e;
        }
    }

    void free() {
        if (decodeStep != null) {
            decodeStep.close();
            decodeStep = null;
        }
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i].close();
            }
            if (values[i] != null) {
                values[i].close();
            }
        }
    }
}
