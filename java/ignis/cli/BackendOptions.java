package ignis.cli;

import ignis.backend.Backends;
import picocli.CommandLine.Option;

/** The options that choose where a model runs, shared by the commands that run one. */
final class BackendOptions {

    @Option(names = "--backend", defaultValue = "auto", description = Backends.HELP)
    String backend;

    @Option(names = "--device", description = "device index for --backend cuda/opencl (as cuda:N, opencl:N)")
    Integer device;

    @Option(names = {"-ngl", "--gpu-layers"}, defaultValue = "-1", description = "llama.cpp's -ngl: run the output head and the last N-1 blocks on the device (backends cuda/opencl), "
            + "the rest on the CPU; 0 = all on the CPU, -1 or more than the model's blocks = all on the device (default ${DEFAULT-VALUE})")
    int gpuLayers;

    /** The backend name with the device index, as {@link Backends#byName} takes it. */
    String backendName() {
        return Backends.withDevice(backend, device);
    }
}
