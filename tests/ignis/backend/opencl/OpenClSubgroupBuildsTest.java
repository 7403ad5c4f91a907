package ignis.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ignis.backend.device.KernelSources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The program builds the OpenCL backend picks per device. CI's OpenCL devices have no subgroups,
 * so the subgroup build cannot run there: the kernel tests run its two-level reductions with
 * emulated subgroups (TestDevices), and here clang (which PoCL depends on) compiles the whole
 * program as a device with each subgroup extension would, with the options the backend gives it.
 */
class OpenClSubgroupBuildsTest {

    private static OpenClDeviceInfo device(String openClC, String... extensions) {
        return new OpenClDeviceInfo(0, 0, 0, "test platform", "test device", OpenClDeviceInfo.Type.GPU, 1L << 30, 1L << 28,
                65536, 8, 256, openClC, List.of(extensions));
    }

    @Test
    void optionsFollowTheDevicesSubgroupSupport() {
        assertEquals("-cl-std=CL1.2 -cl-kernel-arg-info", OpenClKernels.buildOptions(device("OpenCL C 1.2 PoCL"), ""));
        // cl_khr_subgroups' functions are OpenCL C 2.0 and later
        assertEquals("-cl-std=CL1.2 -cl-kernel-arg-info",
                OpenClKernels.buildOptions(device("OpenCL C 1.2", "cl_khr_subgroups"), ""));
        assertEquals("-cl-std=CL2.0 -D IGNIS_SUBGROUPS -cl-kernel-arg-info",
                OpenClKernels.buildOptions(device("OpenCL C 2.0 AMD-APP", "cl_khr_subgroups"), ""));
        assertEquals("-cl-std=CL3.0 -D IGNIS_SUBGROUPS -cl-kernel-arg-info",
                OpenClKernels.buildOptions(device("OpenCL C 3.0 ", "cl_khr_fp16", "cl_khr_subgroups"), ""));
        assertEquals("-cl-std=CL1.2 -D IGNIS_SUBGROUPS -cl-kernel-arg-info -D X=1",
                OpenClKernels.buildOptions(device("OpenCL C 1.2", "cl_intel_subgroups"), "-D X=1"));
        assertEquals("cl_intel_subgroups", device("OpenCL C 1.2", "cl_intel_subgroups").subgroupExtension());
    }

    static Stream<Arguments> subgroupDevices() {
        return Stream.of(
                Arguments.of(device("OpenCL C 2.0", "cl_khr_subgroups"), "+cl_khr_subgroups"),
                Arguments.of(device("OpenCL C 3.0", "cl_khr_subgroups"), "+cl_khr_subgroups,+__opencl_c_subgroups"),
                Arguments.of(device("OpenCL C 1.2", "cl_intel_subgroups"), "+cl_intel_subgroups"));
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("subgroupDevices")
    void theSubgroupBuildCompiles(OpenClDeviceInfo device, String clangExtensions) throws Exception {
        String options = OpenClKernels.buildOptions(device, "");
        Result r = clang(options, clangExtensions);
        assertEquals(0, r.exit, () -> "clang with " + options + ":\n" + r.output);
    }

    @Test
    void theCheckSeesTheSubgroupFunctions() throws Exception {
        // IGNIS_SUBGROUPS on a device without any subgroup extension: sub_group_reduce_add is undeclared
        Result r = clang("-cl-std=CL1.2 -D IGNIS_SUBGROUPS", "");
        assertNotEquals(0, r.exit, "clang accepted subgroup functions without a subgroup extension");
    }

    @Test
    void thePortableAndEmulatedBuildsCompile() throws Exception {
        for (String options : List.of("-cl-std=CL1.2", "-cl-std=CL1.2 -D IGNIS_EMULATED_SUBGROUP_SIZE=8")) {
            Result r = clang(options, "");
            assertEquals(0, r.exit, () -> "clang with " + options + ":\n" + r.output);
        }
    }

    private record Result(int exit, String output) {
    }

    /** clang -fsyntax-only over the whole program, as an OpenCL device would compile it with {@code options}. */
    private static Result clang(String options, String extensions) throws IOException, InterruptedException {
        Optional<Path> clang = findClang();
        assumeTrue(clang.isPresent(), "no clang (clang-15 or clang on PATH, or /usr/lib/llvm-*/bin/clang) to compile OpenCL C with");
        Path source = Files.createTempFile("ignis-kernels", ".cl");
        try {
            Files.writeString(source, KernelSources.openClProgram());
            List<String> command = new ArrayList<>(List.of(clang.get().toString(), "-x", "cl", "-target", "spir64",
                    "-Xclang", "-finclude-default-header", "-fsyntax-only", "-Werror=implicit-function-declaration"));
            // the SPIR target has every extension unless told otherwise: only those of the device
            command.addAll(List.of("-Xclang", "-cl-ext=-all" + (extensions.isEmpty() ? "" : "," + extensions)));
            command.addAll(Arrays.stream(options.split(" ")).filter(o -> !o.equals("-cl-kernel-arg-info")).toList());
            command.add(source.toString());
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("clang did not finish in 120 s: " + command);
            }
            return new Result(p.exitValue(), String.join(" ", command) + "\n" + output);
        } finally {
            Files.deleteIfExists(source);
        }
    }

    private static Optional<Path> findClang() throws IOException {
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            candidates.add(Path.of(dir, "clang-15"));
            candidates.add(Path.of(dir, "clang"));
        }
        Path llvm = Path.of("/usr/lib");
        if (Files.isDirectory(llvm)) {
            try (Stream<Path> dirs = Files.list(llvm)) {
                dirs.filter(d -> d.getFileName().toString().startsWith("llvm-")).sorted()
                        .forEach(d -> candidates.add(d.resolve("bin/clang")));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }
}
