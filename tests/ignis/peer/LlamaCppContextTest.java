package ignis.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ignis.IgnisException;
import ignis.model.LlamaModel;
import ignis.model.SyntheticModels;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** llama.cpp's context through the C API: settings land in the right fields, the cache clears, errors are named. */
class LlamaCppContextTest {
    private static Path gguf;
    private static int vocab;

    @BeforeAll
    static void model() {
        String why = PeerLibrary.whyUnavailable();
        assumeTrue(why == null, () -> "llama.cpp's library is not usable here: " + why);
        gguf = SyntheticModels.get(SyntheticModels.TEST_SHAPE, "Q8_0", 11);
        try (LlamaModel m = LlamaModel.load(gguf)) {
            vocab = m.config().vocabSize();
        }
    }

    @Test
    void settingsOtherThanTheDefaultsAreApplied() {
        // Neither matches llama.cpp's defaults (512, 2048, 512, 4 threads), so a field written at a wrong offset shows.
        try (LlamaCppContext c = new LlamaCppContext(gguf, new LlamaCppContext.Settings(300, 128, 32, 1))) {
            LlamaCppContext.Settings s = c.settings();
            assertTrue(s.contextLength() >= 300 && s.contextLength() < 512, s.toString());
            assertEquals(new LlamaCppContext.Settings(s.contextLength(), 128, 32, 1), s);
            assertEquals(vocab, c.vocabSize());
        }
        try (LlamaCppContext c = new LlamaCppContext(gguf, new LlamaCppContext.Settings(1000, 4096, 256, 3))) {
            LlamaCppContext.Settings s = c.settings();
            assertTrue(s.contextLength() >= 1000, s.toString());
            // llama.cpp caps the logical batch by the context asked for.
            assertEquals(new LlamaCppContext.Settings(s.contextLength(), 1000, 256, 3), s);
        }
    }

    @Test
    void clearedCacheStartsAgainAtPositionZero() {
        int[] tokens = {5, vocab - 1, 17, 300};
        try (LlamaCppContext c = new LlamaCppContext(gguf, LlamaCppContext.Settings.defaults(2))) {
            c.decode(tokens, tokens.length);
            float[] first = c.lastLogits();
            assertTrue(Arrays.stream(toDoubles(first)).allMatch(Double::isFinite));
            c.decode(tokens, tokens.length); // positions 4..7: another context, other logits
            float[] continued = c.lastLogits();
            assertFalse(Arrays.equals(first, continued), "a longer sequence gives the same logits");
            c.clearCache();
            c.decode(tokens, 2);
            c.decode(new int[] {tokens[2], tokens[3]}, 2);
            assertArrayEquals(first, c.lastLogits(), 1e-4f);
        }
    }

    @Test
    void decodingPastTheContextIsAnError() {
        try (LlamaCppContext c = new LlamaCppContext(gguf, new LlamaCppContext.Settings(32, 64, 64, 1))) {
            int[] tokens = new int[c.settings().contextLength() + 1];
            IgnisException e = assertThrows(IgnisException.class, () -> c.decode(tokens, tokens.length));
            assertTrue(e.getMessage().contains("llama_decode of " + tokens.length + " tokens failed"), e.getMessage());
        }
    }

    @Test
    void unreadableModelIsNamed() {
        IgnisException e = assertThrows(IgnisException.class,
                () -> new LlamaCppContext(Path.of("/no/such/model.gguf"), LlamaCppContext.Settings.defaults(1)));
        assertTrue(e.getMessage().contains("/no/such/model.gguf"), e.getMessage());
    }

    private static double[] toDoubles(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
