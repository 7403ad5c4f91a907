package ignis.model;

import ignis.model.synth.Llama3RopeScaling;
import ignis.model.synth.ModelShape;
import ignis.model.synth.ProgressListener;
import ignis.model.synth.SyntheticModel;
import ignis.model.synth.TypeRecipe;
import ignis.model.synth.Vocabulary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/** Small dummy-weight models for tests, written once per JVM into a temp folder. */
public final class SyntheticModels {
    /** Row lengths are multiples of 256 so every type, K-quants included, applies to every matrix. */
    public static final ModelShape TEST_SHAPE = new ModelShape(256, 2, 4, 2, 512, 2048, 512, 10000f, 1e-5f, false, null);
    /** Llama 3 style: grouped-query attention, tied embeddings, rope_freqs factors, large rope base. */
    public static final ModelShape LLAMA3_STYLE_SHAPE = new ModelShape(256, 2, 4, 1, 512, 2048, 512, 500000f, 1e-5f, true,
            Llama3RopeScaling.LLAMA_3_2);

    private static final ConcurrentHashMap<String, Path> WRITTEN = new ConcurrentHashMap<>();
    private static Path dir;

    private SyntheticModels() {
    }

    public static synchronized Path get(ModelShape shape, String types, long seed) {
        String key = shape + "|" + types + "|" + seed;
        return WRITTEN.computeIfAbsent(key, k -> {
            try {
                if (dir == null) {
                    dir = Files.createTempDirectory("ignis-test-models");
                    dir.toFile().deleteOnExit();
                }
                Path file = dir.resolve("m" + WRITTEN.size() + "-" + types + ".gguf");
                SyntheticModel.write(file, shape, TypeRecipe.parse(types), seed, Vocabulary.generate(shape.vocabSize(), seed),
                        ProgressListener.NONE);
                file.toFile().deleteOnExit();
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
