package ignis.cli;

import ignis.model.synth.ModelShape;
import ignis.model.synth.SyntheticModel;
import ignis.model.synth.TypeRecipe;
import ignis.model.synth.Vocabulary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Dummy-weight models for benchmarks, written once into a cache folder
 * ({@code $IGNIS_CACHE} or {@code ~/.cache/ignis/models}) and reused.
 */
final class DummyModels {
    private DummyModels() {
    }

    static Path cacheDir() {
        String env = System.getenv("IGNIS_CACHE");
        return env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "ignis", "models");
    }

    /** The cached model of this shape, types and seed, written first if missing (progress on stderr). */
    static Path get(String shapeName, String typeName, long seed) {
        ModelShape shape = ModelShape.named(shapeName);
        TypeRecipe types = TypeRecipe.parse(typeName);
        Path file = cacheDir().resolve(shapeName + "-" + types.name() + "-s" + seed + ".gguf");
        if (Files.exists(file)) {
            return file;
        }
        try {
            Files.createDirectories(file.getParent());
            Path partial = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".partial");
            try {
                ProgressBar bar = new ProgressBar("writing " + file.getFileName(), true);
                SyntheticModel.write(partial, shape, types, seed, Vocabulary.generate(shape.vocabSize(), seed),
                        (done, total, label) -> bar.update(done, total, label));
                bar.finish();
                Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dummy model " + file, e);
        }
        return file;
    }
}
