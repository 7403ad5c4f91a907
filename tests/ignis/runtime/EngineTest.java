package ignis.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import ignis.TestData;
import ignis.model.LoadListener;
import ignis.peer.LlamaCpp;
import ignis.runtime.sampling.SamplingParams;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The public API end to end on the shared Llama 2 GGUF: tokenizer, prefill, decode, sampling, streaming. */
class EngineTest {
    private static Engine engine;

    @BeforeAll
    static void load() {
        engine = Engine.load(TestData.tinyLlamaGguf(), EngineOptions.defaults().withThreads(2).withContextLength(128), LoadListener.NONE);
    }

    @AfterAll
    static void close() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void greedyTextEqualsLlamaCppThroughTheWholeStack() {
        try (LlamaCpp peer = new LlamaCpp(TestData.tinyLlamaGguf(), 256)) {
            for (String prompt : List.of("Hello, my name is", "In 1492, Columbus")) {
                GenerationResult r = engine.generate(prompt, GenerationParams.greedy(48).withIgnoreEos(true), TokenListener.NONE);
                assertEquals(String.join("", peer.greedy(prompt, 48)), r.text(), "prompt: " + prompt);
                assertEquals(48, r.tokens().length);
                assertEquals(GenerationResult.StopReason.LENGTH, r.stopReason());
            }
        }
    }

    @Test
    void streamedTextIsTheResultText() {
        StringBuilder streamed = new StringBuilder();
        int[] calls = {0};
        GenerationResult r = engine.generate("The quick brown fox", GenerationParams.greedy(20), (t, text) -> {
            streamed.append(text);
            calls[0]++;
        });
        assertEquals(r.text(), streamed.toString());
        assertTrue(calls[0] >= r.tokens().length);
    }

    @Test
    void stopStringEndsGenerationAndIsNotReturned() {
        GenerationResult full = engine.generate("Once upon a time", GenerationParams.greedy(40).withIgnoreEos(true), TokenListener.NONE);
        String text = full.text();
        assertTrue(text.length() > 20, "need some text to cut: " + text);
        String stop = text.substring(text.length() / 2, text.length() / 2 + 3);
        GenerationResult cut = engine.generate("Once upon a time",
                GenerationParams.greedy(40).withIgnoreEos(true).withStop(List.of(stop)), TokenListener.NONE);
        assertEquals(GenerationResult.StopReason.STOP_STRING, cut.stopReason());
        assertEquals(text.substring(0, text.indexOf(stop)), cut.text());
    }

    @Test
    void seededSamplingIsReproducible() {
        GenerationParams p = GenerationParams.defaults().withMaxTokens(24).withIgnoreEos(true)
                .withSampling(SamplingParams.DEFAULTS.withTemperature(1.0f).withSeed(1234));
        int[] a = engine.generate("Seeds", p, TokenListener.NONE).tokens();
        int[] b = engine.generate("Seeds", p, TokenListener.NONE).tokens();
        int[] c = engine.generate("Seeds", p.withSampling(p.sampling().withSeed(99)), TokenListener.NONE).tokens();
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c), "different seeds gave the same 24 tokens");
    }

    @Test
    void maxTokensZeroGeneratesNothing() {
        GenerationResult r = engine.generate("Hello", GenerationParams.greedy(0), TokenListener.NONE);
        assertEquals(0, r.tokens().length);
        assertEquals("", r.text());
    }

    @Test
    void emptyPromptStartsFromBosAndNoTokensAtAllIsAnError() {
        assertArrayEquals(new int[] {engine.tokenizer().bos()}, engine.tokenize(""));
        assertEquals(5, engine.generate("", GenerationParams.greedy(5).withIgnoreEos(true), TokenListener.NONE).tokens().length);
        IgnisException e = assertThrows(IgnisException.class, () -> engine.generate(new int[0], GenerationParams.greedy(5), TokenListener.NONE));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void promptLongerThanContextIsAClearError() {
        String longPrompt = "word ".repeat(200);
        IgnisException e = assertThrows(IgnisException.class, () -> engine.generate(longPrompt, GenerationParams.greedy(4), TokenListener.NONE));
        assertTrue(e.getMessage().contains("context length 128"), e.getMessage());
    }

    @Test
    void generationStopsWhenTheContextIsFull() {
        int[] prompt = engine.tokenize("word ".repeat(60));
        GenerationResult r = engine.generate(prompt, GenerationParams.greedy(500).withIgnoreEos(true), TokenListener.NONE);
        assertEquals(GenerationResult.StopReason.CONTEXT, r.stopReason());
        assertEquals(128 - prompt.length + 1, r.tokens().length);
    }
}
