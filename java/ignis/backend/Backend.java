package ignis.backend;

import ignis.model.LlamaModel;

/**
 * A place models run: the CPU (the reference every other backend is tested against), CUDA, OpenCL.
 * A backend turns a loaded model into a {@link ModelExecutor}, uploading weights once where it
 * has its own memory.
 */
public interface Backend {

    String name();

    ModelExecutor load(LlamaModel model, ExecutorOptions options);
}
