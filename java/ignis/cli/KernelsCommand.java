package ignis.cli;

import ignis.backend.device.KernelSources;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code ignis kernels}: prints the OpenCL C program the OpenCL backend builds (the prelude and
 * every portable kernel source, includes inlined), for other OpenCL hosts such as TornadoVM's
 * prebuilt tasks.
 */
@Command(name = "kernels", description = "Print the assembled OpenCL C program of the device kernels.")
public final class KernelsCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.print(KernelSources.openClProgram());
        return 0;
    }
}
