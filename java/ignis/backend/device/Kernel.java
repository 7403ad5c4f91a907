package ignis.backend.device;

/** A compiled kernel of one {@link Device}, launched with {@link Device#launch}. */
public interface Kernel {

    /** Its name in the kernel sources, e.g. {@code "gemv_q8_0"}. */
    String name();
}
