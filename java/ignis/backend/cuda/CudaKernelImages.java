package ignis.backend.cuda;

import ignis.backend.device.DeviceException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PTX and cubins that native-build/build.sh packaged under {@value #RESOURCE_DIR}, listed in
 * its index.txt, and the choice among them for one device: per kernel source, the cubin of the
 * device's exact sm_XY, else the highest compute_XY PTX with XY at most the device's, which the
 * driver JIT-compiles.
 */
final class CudaKernelImages {
    static final String RESOURCE_DIR = "ignis/kernels/cuda/";
    static final String INDEX = RESOURCE_DIR + "index.txt";
    static final String HOW_TO_BUILD = "the jar was built without nvcc: install the CUDA toolkit (nvcc), run"
            + " `bash native-build/build.sh` and rebuild the jar (`mvn package`, or ./ignis rebuilds)";

    private static final Pattern IMAGE = Pattern.compile("(.+)\\.(?:sm_(\\d+)\\.cubin|compute_(\\d+)\\.ptx)");

    /** One file of the index: {@code <source>.sm_XY.cubin} or {@code <source>.compute_XY.ptx}. */
    record Image(String source, String file, int arch, boolean cubin) {
        String resource() {
            return RESOURCE_DIR + file;
        }
    }

    private CudaKernelImages() {
    }

    /** The lines of index.txt on the classpath, or empty where the jar has none (built without nvcc). */
    static Optional<List<String>> readIndex(ClassLoader loader) {
        try (InputStream in = loader.getResourceAsStream(INDEX)) {
            if (in == null) {
                return Optional.empty();
            }
            List<String> lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .map(String::strip).filter(line -> !line.isEmpty()).toList();
            return Optional.of(lines);
        } catch (IOException e) {
            throw new UncheckedIOException("reading classpath resource " + INDEX, e);
        }
    }

    /** The index's kernel images by source name; other files are ignored. */
    static Map<String, List<Image>> bySource(List<String> index) {
        Map<String, List<Image>> images = new TreeMap<>();
        for (String file : index) {
            Matcher m = IMAGE.matcher(file);
            if (m.matches()) {
                boolean cubin = m.group(2) != null;
                int arch = Integer.parseInt(cubin ? m.group(2) : m.group(3));
                images.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(new Image(m.group(1), file, arch, cubin));
            }
        }
        return images;
    }

    /**
     * The image to load of every kernel source for a device of compute capability {@code arch}
     * (XY of sm_XY); a source with no image that fits is a {@link DeviceException}.
     */
    static List<Image> select(List<String> index, int arch, String device) {
        List<Image> chosen = new ArrayList<>();
        for (Map.Entry<String, List<Image>> source : bySource(index).entrySet()) {
            chosen.add(best(source.getValue(), arch).orElseThrow(() -> new DeviceException(device
                    + ": no CUDA kernel image of " + source.getKey() + ".cu fits compute capability "
                    + arch / 10 + "." + arch % 10 + " (packaged: "
                    + source.getValue().stream().map(Image::file).toList() + ")")));
        }
        return chosen;
    }

    private static Optional<Image> best(List<Image> images, int arch) {
        Optional<Image> exactCubin = images.stream().filter(i -> i.cubin() && i.arch() == arch).findFirst();
        if (exactCubin.isPresent()) {
            return exactCubin;
        }
        return images.stream().filter(i -> !i.cubin() && i.arch() <= arch)
                .max((a, b) -> Integer.compare(a.arch(), b.arch()));
    }
}
