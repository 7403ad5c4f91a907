package ignis.cli;

import ignis.IgnisException;
import ignis.backend.Backends;
import ignis.backend.cuda.CudaDevices;
import ignis.backend.device.Device;
import ignis.backend.device.DeviceOps;
import ignis.backend.device.KernelBench;
import ignis.backend.device.KernelSources;
import ignis.backend.opencl.OpenClDevice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ignis bench-kernels}: the device kernels (GEMV per weight type, prefill matmul,
 * flash-decoding) timed per launch by the device's clock (OpenCL profiling events, CUDA events),
 * with achieved GB/s next to the device's copy bandwidth measured in the same run.
 */
@Command(name = "bench-kernels", description = "Time the device kernels: GB/s and %% of the device's measured bandwidth.")
public final class BenchKernelsCommand implements Callable<Integer> {

    @Option(names = "--backend", defaultValue = "cuda", description = "cuda | opencl (default ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--device", defaultValue = "0", description = "device index (default ${DEFAULT-VALUE})")
    int device;

    @Option(names = "--small", description = "small shapes (a quick check, e.g. on a CPU OpenCL device)")
    boolean small;

    @Option(names = "--launches", defaultValue = "20", description = "launches per timing (default ${DEFAULT-VALUE})")
    int launches;

    @Option(names = "--json", description = "print results as JSON")
    boolean json;

    @Override
    public Integer call() {
        try (Device d = open()) {
            KernelBench bench = new KernelBench(new DeviceOps(d), launches);
            ProgressBar bar = new ProgressBar("bench-kernels", true);
            double bandwidth = bench.bandwidth();
            List<KernelBench.Result> results = bench.run(small ? KernelBench.Size.SMALL : KernelBench.Size.FULL,
                    (index, total, name) -> bar.update(index, total, name));
            bar.finish();
            if (json) {
                System.out.println(Json.write(toJson(d.name(), bandwidth, results)));
            } else {
                print(d.name(), bandwidth, results);
            }
        }
        return 0;
    }

    private Device open() {
        return switch (backend) {
            case "cuda" -> CudaDevices.open(device);
            case "opencl" -> OpenClDevice.open(device, KernelSources.openClProgram());
            default -> throw new IgnisException("bench-kernels runs on a device backend: --backend cuda or opencl, not '" + backend
                    + "' (all backends: " + Backends.NAMES + ")");
        };
    }

    private static void print(String device, double bandwidth, List<KernelBench.Result> results) {
        System.out.printf("device: %s; copy bandwidth (device to device, read + write): %.1f GB/s; kernel times by the device's clock%n%n",
                device, bandwidth / 1e9);
        System.out.println("| kernel | shape | time (us) | GB/s | % of bandwidth | GFLOP/s |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: |");
        for (KernelBench.Result r : results) {
            System.out.printf("| %s | %s | %.1f | %.1f | %.0f%% | %.1f |%n", r.kernel(), r.shape(), r.seconds() * 1e6,
                    r.bytesPerSecond() / 1e9, 100 * r.bytesPerSecond() / bandwidth, r.flops() / r.seconds() / 1e9);
        }
    }

    private static Map<String, Object> toJson(String device, double bandwidth, List<KernelBench.Result> results) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("device", device);
        out.put("copy_bandwidth_bytes_per_second", bandwidth);
        List<Object> rows = new ArrayList<>();
        for (KernelBench.Result r : results) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("kernel", r.kernel());
            row.put("shape", r.shape());
            row.put("seconds", r.seconds());
            row.put("bytes", r.bytes());
            row.put("bytes_per_second", r.bytesPerSecond());
            row.put("fraction_of_bandwidth", r.bytesPerSecond() / bandwidth);
            row.put("flops_per_second", r.flops() / r.seconds());
            rows.add(row);
        }
        out.put("results", rows);
        return out;
    }
}
