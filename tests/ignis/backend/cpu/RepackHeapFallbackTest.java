package ignis.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.model.SyntheticModels;
import ignis.model.synth.ModelShape;
import ignis.model.LoadListener;
import ignis.runtime.Engine;
import ignis.runtime.EngineOptions;
import ignis.runtime.GenerationParams;
import ignis.runtime.TokenListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The repacked weight copies live on the heap and are only for speed: a JVM whose heap cannot
 * hold them drops them, says so, and generates the same tokens from the file layout. The child
 * JVM gets 40 MiB of heap for a Q8_0 model whose copies take about 75 MiB.
 */
class RepackHeapFallbackTest {
    private static final ModelShape SHAPE = new ModelShape(1024, 4, 8, 8, 4096, 2048, 256, 10000f, 1e-5f, false, null);
    private static final String PROMPT = "Once upon a time";
    private static final int TOKENS = 8;

    @Test
    void aHeapTooSmallForTheCopiesRunsTheFileLayoutWithTheSameTokens() throws Exception {
        Path model = SyntheticModels.get(SHAPE, "Q8_0", 3);
        String expected;
        try (Engine engine = load(model)) {
            expected = Arrays.toString(engine.generate(PROMPT, GenerationParams.greedy(TOKENS).withIgnoreEos(true), TokenListener.NONE).tokens());
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx40m", "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Generate.class.getName(),
                model.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), output);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("cannot hold the repacked copy") && output.contains("-Xmx"), output);
        assertTrue(output.contains("tokens: " + expected), "expected tokens: " + expected + "\n" + output);
    }

    /** Small scratch buffers and KV cache, the same in both JVMs: the copies are what does not fit. */
    private static Engine load(Path model) {
        return Engine.load(model, EngineOptions.defaults().withBackend("cpu").withContextLength(64).withBatchTokens(16), LoadListener.NONE);
    }

    /** The child: greedy tokens of the prompt, printed. */
    static final class Generate {
        public static void main(String[] args) {
            try (Engine engine = load(Path.of(args[0]))) {
                int[] tokens = engine.generate(PROMPT, GenerationParams.greedy(TOKENS).withIgnoreEos(true), TokenListener.NONE).tokens();
                System.out.println("tokens: " + Arrays.toString(tokens));
            }
        }
    }
}
