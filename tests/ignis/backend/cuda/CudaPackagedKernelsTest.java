package ignis.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What native-build/build.sh put on the classpath: PTX for compute_80 and compute_90 and cubins
 * for every cubin arch, of every cuda-kernels/*.cu. Skipped in a build without nvcc.
 */
class CudaPackagedKernelsTest {
    private static final List<String> PTX_ARCHS = List.of("compute_80", "compute_90");
    private static final List<String> CUBIN_ARCHS = List.of("sm_80", "sm_86", "sm_89", "sm_90");

    @Test
    void everyKernelSourceHasPtxAndCubinsInTheIndex() throws IOException {
        ClassLoader loader = getClass().getClassLoader();
        Optional<List<String>> index = CudaKernelImages.readIndex(loader);
        if (index.isEmpty()) {
            String reason = CudaKernelImages.INDEX + " is not on the classpath: " + CudaKernelImages.HOW_TO_BUILD;
            System.out.println("skipped: " + reason);
            Assumptions.assumeTrue(false, reason);
        }
        List<String> sources;
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("user.dir"), "cuda-kernels"))) {
            sources = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu"))
                    .map(n -> n.substring(0, n.length() - 3)).sorted().toList();
        }
        for (String source : sources) {
            for (String arch : PTX_ARCHS) {
                assertListed(index.get(), source + "." + arch + ".ptx");
            }
            for (String arch : CUBIN_ARCHS) {
                assertListed(index.get(), source + "." + arch + ".cubin");
            }
        }
        for (String file : index.get()) {
            try (InputStream in = loader.getResourceAsStream(CudaKernelImages.RESOURCE_DIR + file)) {
                assertNotNull(in, file + " is listed in index.txt but not on the classpath");
            }
        }
    }

    private static void assertListed(List<String> index, String file) {
        assertTrue(index.contains(file), file + " missing from " + CudaKernelImages.INDEX
                + "; run native-build/build.sh then mvn process-resources");
    }
}
