package ignis.backend.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The OpenCL device the tests run on: the first one discovered, or the test is skipped saying why. */
final class OpenClTestDevices {
    private OpenClTestDevices() {
    }

    static OpenClDiscovery requireDevices() {
        OpenClDiscovery discovery = OpenClDiscovery.discover();
        if (!discovery.available()) {
            System.out.println("skipping OpenCL tests: " + discovery.unavailableReason());
        }
        assumeTrue(discovery.available(), () -> "no OpenCL device: " + discovery.unavailableReason());
        return discovery;
    }

    static OpenClDevice open(String programSource) {
        requireDevices();
        return OpenClDevice.open(0, programSource);
    }
}
