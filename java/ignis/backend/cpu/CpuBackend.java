package ignis.backend.cpu;

import ignis.backend.Backend;
import ignis.backend.ExecutorOptions;
import ignis.backend.ModelExecutor;
import ignis.model.LlamaModel;

/** Runs models on the host CPU with the Vector API; weights are read in place from the mapped file. */
public final class CpuBackend implements Backend {

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public ModelExecutor load(LlamaModel model, ExecutorOptions options) {
        return new CpuExecutor(model, options);
    }
}
