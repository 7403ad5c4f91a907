package ignis.backend.cuda;

import ignis.backend.device.DeviceBuffer;
import java.util.function.Function;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/** Packs launch arguments into cuLaunchKernel's kernelParams: one pointer per parameter value. */
final class CudaKernelArguments {
    private CudaKernelArguments() {
    }

    /**
     * {@link DeviceBuffer} becomes its device address (through {@code addressOf}), {@link Integer} a
     * C int, {@link Float} a C float; anything else is an {@link IllegalArgumentException} naming
     * the kernel and the argument's index.
     */
    static Pointer pack(String kernel, Object[] args, Function<DeviceBuffer, CUdeviceptr> addressOf) {
        Pointer[] values = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            values[i] = switch (args[i]) {
                case DeviceBuffer buffer -> Pointer.to(addressOf.apply(buffer));
                case Integer value -> Pointer.to(new int[] {value});
                case Float value -> Pointer.to(new float[] {value});
                case null -> throw new IllegalArgumentException(kernel + ": argument " + i + " is null");
                default -> throw new IllegalArgumentException(kernel + ": argument " + i + " is a "
                        + args[i].getClass().getName() + "; a kernel takes DeviceBuffer, Integer or Float");
            };
        }
        return Pointer.to(values);
    }
}
