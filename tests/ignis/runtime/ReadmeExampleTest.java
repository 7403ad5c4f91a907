package ignis.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.model.SyntheticModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The library example of the README, as written there, on a dummy-weight model. */
class ReadmeExampleTest {

    @Test
    void readmeExampleRuns() {
        Path model = SyntheticModels.get(SyntheticModels.TEST_SHAPE, "Q4_0", 3);
        StringBuilder streamed = new StringBuilder();
        // --- as in README.md ---
        try (Engine engine = Engine.load(model)) {
            GenerationResult r = engine.generate("Once upon a time", GenerationParams.greedy(64),
                    (token, text) -> streamed.append(text));          // streamed as generated
            // --- end ---
            assertEquals(r.text(), streamed.toString());
            assertTrue(r.tokens().length > 0 && r.decodeTokensPerSecond() >= 0);
        }
    }
}
