package ignis.backend.cuda;

import ignis.backend.device.Kernel;
import jcuda.driver.CUfunction;

/** A kernel entry point in a loaded module of {@code device}. */
record CudaKernel(String name, CUfunction function, CudaDevice device) implements Kernel {
}
