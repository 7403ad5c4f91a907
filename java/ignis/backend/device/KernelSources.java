package ignis.backend.device;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The portable kernel sources (cuda-kernels/*.cu, packaged under {@code ignis/kernels/}) and the
 * OpenCL program assembled from them: the OpenCL prelude (tornado/prelude_opencl.h), then every
 * source with its quoted includes inlined once. The CUDA build (native-build/) compiles the same
 * files with the CUDA prelude, so both backends run one text per algorithm.
 */
public final class KernelSources {
    /** Where the build puts the sources on the classpath. */
    public static final String RESOURCE_DIR = "ignis/kernels/";
    /** Every kernel source, in program order (a test checks the list against cuda-kernels/). */
    public static final List<String> SOURCES = List.of(
            "matmul.cu", "gemm.cu", "gemm_mma.cu", "norm.cu", "rope.cu", "kv_cache.cu", "elementwise.cu",
            "attention_decode.cu", "attention_prefill.cu", "sampling.cu", "sample.cu");
    public static final String OPENCL_PRELUDE = "prelude_opencl.h";

    private KernelSources() {
    }

    /** The whole OpenCL C program. */
    public static String openClProgram() {
        StringBuilder program = new StringBuilder();
        Set<String> included = new HashSet<>();
        append(OPENCL_PRELUDE, program, included);
        for (String source : SOURCES) {
            append(source, program, included);
        }
        return program.toString();
    }

    /** The text of one packaged source file. */
    public static String read(String name) {
        String path = RESOURCE_DIR + name;
        try (InputStream in = KernelSources.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new DeviceException("kernel source " + path + " is not on the classpath (the jar was built without cuda-kernels/)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading kernel source " + path, e);
        }
    }

    private static void append(String name, StringBuilder program, Set<String> included) {
        if (!included.add(name)) {
            return;
        }
        program.append("/* ---- ").append(name).append(" ---- */\n");
        for (String line : read(name).split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#include \"")) {
                append(trimmed.substring("#include \"".length(), trimmed.lastIndexOf('"')), program, included);
            } else if (!trimmed.equals("#pragma once")) {
                program.append(line).append('\n');
            }
        }
    }
}
