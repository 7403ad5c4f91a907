package ignis.backend.device;

import ignis.backend.Backend;
import ignis.backend.ExecutorOptions;
import ignis.backend.ModelExecutor;
import ignis.backend.cpu.CpuBackend;
import ignis.model.LlamaModel;
import ignis.model.LoadListener;

import java.util.function.Supplier;

/**
 * A {@link Backend} over one device API: opens the device per model and runs it with
 * {@link DeviceExecutor}, or, for {@code --gpu-layers} N of 1 to the model's block count, with a
 * {@link HybridExecutor} (the output head and the last N-1 blocks on the device, as llama.cpp's
 * {@code -ngl}). N = 0 runs the whole model on the CPU and opens no device.
 */
public final class DeviceBackend implements Backend {
    private final String name;
    private final Supplier<Device> opener;

    /** {@code name} as the user wrote it ({@code "opencl:0"}); {@code opener} opens the device. */
    public DeviceBackend(String name, Supplier<Device> opener) {
        this.name = name;
        this.opener = opener;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ModelExecutor load(LlamaModel model, ExecutorOptions options) {
        if (options.gpuLayers() == 0) {
            return new CpuBackend().load(model, options);
        }
        Device device = opener.get();
        try {
            return HybridExecutor.load(new DeviceOps(device), model, options, LoadListener.NONE, true);
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }
}
