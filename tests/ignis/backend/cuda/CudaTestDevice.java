package ignis.backend.cuda;

import org.junit.jupiter.api.Assumptions;

/** Device 0 for tests that need a GPU; elsewhere the test is skipped with discovery's reason. */
final class CudaTestDevice {
    private CudaTestDevice() {
    }

    static CudaDevice openOrSkip() {
        CudaDiscovery discovery = CudaDevices.discover();
        if (discovery.devices().isEmpty()) {
            System.out.println("skipped, no CUDA device: " + discovery.reason());
            Assumptions.assumeTrue(false, discovery.reason());
        }
        return CudaDevices.open(0);
    }
}
