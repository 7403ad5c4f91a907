package ignis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the read-only fixtures of {@code ../shared}; tests that need them skip, with the reason, where absent. */
public final class TestData {
    private TestData() {
    }

    public static Path sharedDir() {
        return Path.of(System.getProperty("ignis.shared.dir", "../shared")).toAbsolutePath().normalize();
    }

    /** The fixture at {@code relative} under {@code ../shared/data}; skips the test when it is missing. */
    public static Path require(String relative) {
        Path p = sharedDir().resolve("data").resolve(relative);
        assumeTrue(Files.isReadable(p), "fixture " + p + " is absent (a fresh clone has no ../shared): skipped");
        return p;
    }

    public static Path tinyLlamaGguf() {
        return require("models/llama-2-tiny-random.gguf");
    }
}
