package ignis.backend.cuda;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataJIT;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import ignis.backend.device.DeviceException;
import ignis.backend.device.Kernel;
import ignis.backend.device.KernelLibrary;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JITOptions;

/**
 * The packaged kernel modules ({@link CudaKernelImages}) loaded into one device's context, and
 * their kernels by name, looked up once each.
 */
final class CudaKernelLibrary implements KernelLibrary {
    private static final int JIT_LOG_BYTES = 16 * 1024;

    private final CudaDevice device;
    private final Map<String, CUmodule> modules = new HashMap<>(); // by image file
    private final Map<String, CudaKernel> kernels = new HashMap<>();

    /** Loads every kernel source's best image for {@code device}; the device's context is current. */
    CudaKernelLibrary(CudaDevice device, int arch) {
        this.device = device;
        ClassLoader loader = CudaKernelLibrary.class.getClassLoader();
        List<String> index = CudaKernelImages.readIndex(loader).orElseThrow(() -> new DeviceException(device.name()
                + ": no CUDA kernels packaged (classpath resource " + CudaKernelImages.INDEX + " is missing): "
                + CudaKernelImages.HOW_TO_BUILD));
        try {
            for (CudaKernelImages.Image image : CudaKernelImages.select(index, arch, device.name())) {
                modules.put(image.file(), load(image, loader));
            }
        } catch (RuntimeException e) {
            unload();
            throw e;
        }
    }

    @Override
    public Kernel kernel(String name) {
        CudaKernel kernel = kernels.get(name);
        if (kernel == null) {
            kernel = find(name);
            kernels.put(name, kernel);
        }
        return kernel;
    }

    private CudaKernel find(String name) {
        device.makeCurrent();
        for (CUmodule module : modules.values()) {
            CUfunction function = new CUfunction();
            int result = cuModuleGetFunction(function, module, name);
            if (result == CUresult.CUDA_SUCCESS) {
                return new CudaKernel(name, function, device);
            }
            if (result != CUresult.CUDA_ERROR_NOT_FOUND) {
                CudaResults.check(result, device.name(), "cuModuleGetFunction(" + name + ")");
            }
        }
        throw new DeviceException(device.name() + ": no CUDA kernel named '" + name + "' in the loaded modules "
                + modules.keySet().stream().sorted().toList());
    }

    private CUmodule load(CudaKernelImages.Image image, ClassLoader loader) {
        byte[] bytes = readResource(image, loader);
        if (!image.cubin()) {
            bytes = Arrays.copyOf(bytes, bytes.length + 1); // PTX is passed as a C string
        }
        JITOptions jit = new JITOptions();
        jit.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[JIT_LOG_BYTES]);
        jit.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, JIT_LOG_BYTES);
        CUmodule module = new CUmodule();
        int result = cuModuleLoadDataJIT(module, Pointer.to(bytes), jit);
        if (result != CUresult.CUDA_SUCCESS) {
            String log = CStrings.decode(jit.getBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER));
            throw new DeviceException(device.name() + ": cuModuleLoadDataEx(" + image.resource() + ") failed: "
                    + CUresult.stringFor(result) + (log.isBlank() ? "" : "\nJIT log:\n" + log.strip()));
        }
        return module;
    }

    private byte[] readResource(CudaKernelImages.Image image, ClassLoader loader) {
        try (InputStream in = loader.getResourceAsStream(image.resource())) {
            if (in == null) {
                throw new DeviceException(device.name() + ": classpath resource " + image.resource()
                        + " is listed in " + CudaKernelImages.INDEX + " but missing; rebuild with native-build/build.sh");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading classpath resource " + image.resource(), e);
        }
    }

    /** Unloads the modules (the device's context is current); returns the first failing result code. */
    int unload() {
        int first = CUresult.CUDA_SUCCESS;
        for (CUmodule module : modules.values()) {
            int result = cuModuleUnload(module);
            first = first == CUresult.CUDA_SUCCESS ? result : first;
        }
        modules.clear();
        kernels.clear();
        return first;
    }
}
