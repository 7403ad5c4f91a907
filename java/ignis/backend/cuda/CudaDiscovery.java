package ignis.backend.cuda;

import java.util.List;

/**
 * The CUDA devices of this host, or why there are none.
 *
 * @param devices every device the driver lists, by index; empty where CUDA is unusable
 * @param reason why {@code devices} is empty (it names the driver problem); empty when it is not
 */
public record CudaDiscovery(List<CudaDeviceInfo> devices, String reason) {
    public CudaDiscovery {
        devices = List.copyOf(devices);
    }

    static CudaDiscovery unavailable(String reason) {
        return new CudaDiscovery(List.of(), reason);
    }
}
