package ignis.backend.device;

/** The kernels compiled for one device, by their names in the sources. */
public interface KernelLibrary {

    /** The kernel called {@code name}; an unknown name is a {@link DeviceException} naming it and the device. */
    Kernel kernel(String name);
}
