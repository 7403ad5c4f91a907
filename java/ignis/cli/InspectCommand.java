package ignis.cli;

import ignis.gguf.GGUFFile;
import ignis.gguf.GGUFTensorInfo;
import ignis.gguf.GGUFValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ignis inspect F}: metadata and tensor table of a GGUF file. */
@Command(name = "inspect", description = "Print the metadata and tensors of a GGUF file.")
public final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "GGUF file")
    Path file;

    @Option(names = "--json", description = "One JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() {
        try (GGUFFile f = GGUFFile.open(file)) {
            if (json) {
                System.out.println(Json.write(asMap(f)));
                return 0;
            }
            System.out.printf("%s: GGUF v%d, %d metadata keys, %d tensors, alignment %d%n",
                    file, f.version(), f.metadata().size(), f.tensorInfos().size(), f.alignment());
            for (Map.Entry<String, GGUFValue> e : f.metadata().entrySet()) {
                System.out.printf("  %-45s %s%n", e.getKey(), e.getValue());
            }
            long total = 0;
            for (GGUFTensorInfo t : f.tensorInfos()) {
                System.out.printf("  %-32s %-6s %-24s %,14d bytes%n", t.name(), t.type(), java.util.Arrays.toString(t.shape()), t.byteSize());
                total += t.byteSize();
            }
            System.out.printf("total tensor data: %,d bytes%n", total);
        }
        return 0;
    }

    private static Map<String, Object> asMap(GGUFFile f) {
        Map<String, Object> meta = new LinkedHashMap<>();
        f.metadata().forEach((k, v) -> meta.put(k, v.toString()));
        List<Object> tensors = new ArrayList<>();
        for (GGUFTensorInfo t : f.tensorInfos()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("type", t.type().name());
            m.put("shape", t.shape());
            m.put("offset", t.offset());
            m.put("bytes", t.byteSize());
            tensors.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("file", f.path().toString());
        out.put("version", f.version());
        out.put("metadata", meta);
        out.put("tensors", tensors);
        return out;
    }
}
