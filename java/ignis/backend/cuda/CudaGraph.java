package ignis.backend.cuda;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;

import ignis.backend.device.LaunchRecording;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;

/** A {@link LaunchRecording} on CUDA: the graph stream capture made of the launches, instantiated once. */
final class CudaGraph implements LaunchRecording {
    private final CudaDevice device;
    private final CUgraph graph;
    private final CUgraphExec exec;
    private final CUstream stream;
    private boolean closed;

    CudaGraph(CudaDevice device, CUgraph graph, CUgraphExec exec, CUstream stream) {
        this.device = device;
        this.graph = graph;
        this.exec = exec;
        this.stream = stream;
    }

    @Override
    public void replay() {
        if (closed) {
            throw new IllegalStateException(device.name() + ": replay of a closed CUDA graph");
        }
        device.makeCurrent();
        CudaResults.check(cuGraphLaunch(exec, stream), device.name(), "cuGraphLaunch");
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cuGraphExecDestroy(exec);
            cuGraphDestroy(graph);
        }
    }
}
