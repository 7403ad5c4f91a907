package ignis.backend.device;

import ignis.backend.PagedKv;

/**
 * A device's KV block pool: per layer, block b's position i key (kvDim fp16 values) at element
 * {@code (b * blockTokens + i) * kvDim} of {@link #keys}, its value likewise in {@link #values}.
 */
final class DevicePagedKv implements PagedKv {
    final DeviceBuffer[] keys;
    final DeviceBuffer[] values;
    private final Device device;
    private final int blocks;
    private final int blockTokens;
    private final long blockBytes;

    DevicePagedKv(Device device, int layers, int blocks, int blockTokens, int kvDim) {
        this.device = device;
        this.blocks = blocks;
        this.blockTokens = blockTokens;
        this.blockBytes = (long) blockTokens * kvDim * 2;
        this.keys = new DeviceBuffer[layers];
        this.values = new DeviceBuffer[layers];
        String size = " (" + blocks + " blocks of " + blockTokens + " positions)";
        try {
            for (int layer = 0; layer < layers; layer++) {
                keys[layer] = device.allocate(blocks * blockBytes, "KV pool keys of layer " + layer + size);
                values[layer] = device.allocate(blocks * blockBytes, "KV pool values of layer " + layer + size);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    static long bytesPerBlock(int layers, int blockTokens, int kvDim) {
        return 2L * layers * blockTokens * kvDim * 2;
    }

    @Override
    public int blocks() {
        return blocks;
    }

    @Override
    public int blockTokens() {
        return blockTokens;
    }

    @Override
    public void copyBlock(int from, int to) {
        java.util.Objects.checkIndex(from, blocks);
        java.util.Objects.checkIndex(to, blocks);
        for (int layer = 0; layer < keys.length; layer++) {
            device.copy(keys[layer], from * blockBytes, keys[layer], to * blockBytes, blockBytes);
            device.copy(values[layer], from * blockBytes, values[layer], to * blockBytes, blockBytes);
        }
    }

    /** Frees the pool; again is a no-op. */
    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i].close();
                keys[i] = null;
            }
            if (values[i] != null) {
                values[i].close();
                values[i] = null;
            }
        }
    }
}
