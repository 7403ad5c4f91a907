package ignis.cli;

import ignis.backend.ExecutorOptions;
import ignis.backend.cuda.CudaDeviceInfo;
import ignis.backend.cuda.CudaDevices;
import ignis.backend.cuda.CudaDiscovery;
import ignis.backend.opencl.OpenClDeviceInfo;
import ignis.backend.opencl.OpenClDiscovery;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ignis devices}: the CPU, every CUDA device and every OpenCL device, with the names --backend takes. */
@Command(name = "devices", description = "List the compute devices: CPU, CUDA and OpenCL (names as --backend takes them).")
public final class DevicesCommand implements Callable<Integer> {

    @Option(names = "--json", description = "One JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() {
        CudaDiscovery cuda = CudaDevices.discover();
        OpenClDiscovery openCl = OpenClDiscovery.discover();
        int cores = ExecutorOptions.defaultThreads();
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            Map<String, Object> cpu = new LinkedHashMap<>();
            cpu.put("backend", "cpu");
            cpu.put("physical_cores", cores);
            cpu.put("logical_processors", Runtime.getRuntime().availableProcessors());
            out.put("cpu", cpu);
            out.put("cuda", cudaJson(cuda));
            out.put("opencl", openClJson(openCl));
            System.out.println(Json.write(out));
            return 0;
        }
        System.out.printf("cpu: %d physical cores, %d logical processors (--backend cpu)%n", cores,
                Runtime.getRuntime().availableProcessors());
        if (cuda.devices().isEmpty()) {
            System.out.println("cuda: none (" + cuda.reason() + ")");
        }
        for (CudaDeviceInfo d : cuda.devices()) {
            System.out.println("cuda:" + d.index() + ": " + d + " (--backend cuda:" + d.index() + ")");
        }
        if (!openCl.available()) {
            System.out.println("opencl: none (" + openCl.unavailableReason() + ")");
        }
        for (OpenClDeviceInfo d : openCl.devices()) {
            System.out.println("opencl:" + d.summary() + " (--backend opencl:" + d.index() + ")");
        }
        for (String problem : openCl.problems()) {
            System.out.println("opencl: skipped: " + problem);
        }
        return 0;
    }

    private static Map<String, Object> cudaJson(CudaDiscovery cuda) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Object> devices = new ArrayList<>();
        for (CudaDeviceInfo d : cuda.devices()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", "cuda:" + d.index());
            m.put("name", d.name());
            m.put("compute_capability", d.computeCapability());
            m.put("memory_bytes", d.totalMemory());
            m.put("multiprocessors", d.multiprocessors());
            m.put("driver_cuda_version", d.driverVersionString());
            devices.add(m);
        }
        out.put("devices", devices);
        if (devices.isEmpty()) {
            out.put("unavailable", cuda.reason());
        }
        return out;
    }

    private static Map<String, Object> openClJson(OpenClDiscovery openCl) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Object> devices = new ArrayList<>();
        for (OpenClDeviceInfo d : openCl.devices()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", "opencl:" + d.index());
            m.put("name", d.deviceName());
            m.put("platform", d.platformName());
            m.put("type", d.type().name());
            m.put("memory_bytes", d.globalMemory());
            m.put("compute_units", d.computeUnits());
            m.put("opencl_c_version", d.openClCVersion());
            devices.add(m);
        }
        out.put("devices", devices);
        if (devices.isEmpty()) {
            out.put("unavailable", openCl.unavailableReason());
        }
        out.put("problems", openCl.problems());
        return out;
    }
}
