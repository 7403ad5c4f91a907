package ignis.runtime.sampling;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SamplingParamsTest {

    @Test
    void defaultsAreLlamaCpps() {
        // llama.cpp common/common.h, struct common_params_sampling
        SamplingParams d = SamplingParams.DEFAULTS;
        assertEquals(0.8f, d.temperature());
        assertEquals(40, d.topK());
        assertEquals(0.95f, d.topP());
        assertEquals(0.05f, d.minP());
        assertEquals(1.0f, d.repeatPenalty());
        assertEquals(64, d.repeatLastN());
        assertEquals(0.0f, d.frequencyPenalty());
        assertEquals(0.0f, d.presencePenalty());
        assertTrue(SamplingParams.GREEDY.isGreedy());
        assertEquals(d.withTemperature(0.0f), SamplingParams.GREEDY);
    }

    @Test
    void copyMethodsChangeOneField() {
        SamplingParams d = SamplingParams.DEFAULTS;
        SamplingParams all = d.withTemperature(0.3f).withTopK(7).withTopP(0.5f).withMinP(0.2f).withRepeatPenalty(1.1f)
                .withRepeatLastN(9).withFrequencyPenalty(0.4f).withPresencePenalty(-0.6f).withSeed(-5L);
        assertEquals(new SamplingParams(0.3f, 7, 0.5f, 0.2f, 1.1f, 9, 0.4f, -0.6f, -5L), all);
        assertEquals(d, d.withTopK(7).withTopK(d.topK()));
    }

    @Test
    void invalidValuesNameTheParameter() {
        SamplingParams d = SamplingParams.DEFAULTS;
        assertMessage("top_p must be in (0, 1], got 1.5", () -> d.withTopP(1.5f));
        assertMessage("top_p must be in (0, 1], got 0.0", () -> d.withTopP(0.0f));
        assertMessage("top_p must be in (0, 1], got NaN", () -> d.withTopP(Float.NaN));
        assertMessage("min_p must be in [0, 1], got -0.1", () -> d.withMinP(-0.1f));
        assertMessage("min_p must be in [0, 1], got 2.0", () -> d.withMinP(2.0f));
        assertMessage("temperature must be a finite number, got NaN", () -> d.withTemperature(Float.NaN));
        assertMessage("temperature must be a finite number, got Infinity",
                () -> d.withTemperature(Float.POSITIVE_INFINITY));
        assertMessage("repeat_penalty must be a finite number > 0", () -> d.withRepeatPenalty(0.0f));
        assertMessage("repeat_penalty must be a finite number > 0", () -> d.withRepeatPenalty(-1.0f));
        assertMessage("repeat_last_n must be >= 0", () -> d.withRepeatLastN(-1));
        assertMessage("frequency_penalty must be a finite number, got NaN", () -> d.withFrequencyPenalty(Float.NaN));
        assertMessage("presence_penalty must be a finite number, got -Infinity",
                () -> d.withPresencePenalty(Float.NEGATIVE_INFINITY));
    }

    @Test
    void disablingValuesAreAccepted() {
        SamplingParams d = SamplingParams.DEFAULTS;
        assertDoesNotThrow(() -> d.withTopK(0).withTopK(-1).withTopP(1.0f).withMinP(0.0f).withRepeatLastN(0)
                .withTemperature(-1.0f).withFrequencyPenalty(-2.0f));
    }

    private static void assertMessage(String expectedPart, Executable call) {
        IgnisException e = assertThrows(IgnisException.class, call);
        assertTrue(e.getMessage().contains(expectedPart), "message was: " + e.getMessage());
    }
}
