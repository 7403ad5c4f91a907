package ignis.backend.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.backend.ExecutorOptions;
import ignis.backend.KvCache;
import ignis.backend.ModelExecutor;
import ignis.backend.cpu.CpuBackend;
import ignis.model.ForwardPassTest;
import ignis.model.LlamaModel;
import ignis.model.LoadListener;
import ignis.model.SyntheticModels;
import ignis.model.synth.ModelShape;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole forward passes on every device present: logits against the float64 pass, prefill against
 * decode steps, and 64 greedy tokens against the CPU backend, for synthetic models of every
 * weight type (and a Llama 3 style model: GQA, tied output, RoPE factors).
 */
class DeviceModelTest {
    private static final String[] TYPES = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q4_K", "Q5_K", "Q6_K", "Q4_K_M"};

    static Stream<Arguments> models() {
        List<Arguments> cases = new ArrayList<>();
        for (DeviceOps ops : TestDevices.ops()) {
            for (String type : TYPES) {
                cases.add(Arguments.of(ops, type, SyntheticModels.TEST_SHAPE));
            }
            cases.add(Arguments.of(ops, "Q8_0", SyntheticModels.LLAMA3_STYLE_SHAPE));
        }
        return cases.stream();
    }

    /**
     * The device multiplies float activations with the dequantized weights the float64 pass uses,
     * so only float32 sums and the fp16 KV cache separate them: well under 1% of the logits' rms.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("models")
    void logitsMatchFloat64ReferenceAndPrefillEqualsDecode(DeviceOps ops, String types, ModelShape shape) {
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(shape, types, 7))) {
            ForwardPassTest.checkAgainstReference(model, m -> executor(ops, m, 8), 1e-2, 11);
            ForwardPassTest.checkPrefillEqualsDecode(model, m -> executor(ops, m, 5), 12, 1e-3);
        }
    }

    /**
     * 64 greedy tokens equal the CPU backend's. The CPU quantizes activations as llama.cpp does
     * and the device does not, so where the two rank a near-tie differently the test accepts the
     * divergence only if the CPU's margin between the two tokens is within the logits' measured
     * difference at that step, and stops there.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("models")
    void greedyTokensEqualTheCpuBackend(DeviceOps ops, String types, ModelShape shape) {
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(shape, types, 7));
             ModelExecutor cpu = new CpuBackend().load(model, new ExecutorOptions(2, 64));
             ModelExecutor device = executor(ops, model, 64)) {
            int vocab = model.config().vocabSize();
            int[] prompt = ForwardPassTest.randomTokens(vocab, 9, 21);
            KvCache cpuCache = cpu.newCache(128);
            KvCache deviceCache = device.newCache(128);
            float[] cpuLogits = new float[vocab];
            float[] deviceLogits = new float[vocab];
            cpu.prefill(cpuCache, prompt, 0, prompt.length, cpuLogits);
            device.prefill(deviceCache, prompt, 0, prompt.length, deviceLogits);
            int steps = 0;
            for (; steps < 64; steps++) {
                int expected = argmax(cpuLogits);
                int got = argmax(deviceLogits);
                if (expected != got) {
                    double margin = cpuLogits[expected] - cpuLogits[got];
                    double difference = maxAbsDifference(cpuLogits, deviceLogits);
                    assertTrue(margin <= 2 * difference, "step " + steps + ": device chose " + got + " over the CPU's " + expected
                            + " with a CPU margin of " + margin + ", more than the backends' logit difference " + difference);
                    System.out.println(types + ": diverged at a near-tie, step " + steps + " (margin " + margin + ")");
                    break;
                }
                cpu.decode(cpuCache, expected, cpuLogits);
                device.decode(deviceCache, expected, deviceLogits);
            }
            if (types.startsWith("F")) {
                assertEquals(64, steps, types + ": float weights leave no near-tie to explain a divergence");
            }
        }
    }

    /** The token id the device's argmax kernel sends back equals the argmax of the logits it computes. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("models")
    void onDeviceArgmaxEqualsTheArgmaxOfTheLogits(DeviceOps ops, String types, ModelShape shape) {
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(shape, types, 7));
             ModelExecutor device = executor(ops, model, 64)) {
            assertOnDeviceArgmaxMatchesTheLogits(device, model.config().vocabSize(), 16);
        }
    }

    /** {@code steps} decodes through {@code decodeArgmax} equal the argmax of the same decodes' logits. */
    static void assertOnDeviceArgmaxMatchesTheLogits(ModelExecutor ex, int vocab, int steps) {
        int[] prompt = ForwardPassTest.randomTokens(vocab, 5, 23);
        KvCache withLogits = ex.newCache(steps + prompt.length);
        KvCache withArgmax = ex.newCache(steps + prompt.length);
        float[] logits = new float[vocab];
        ex.prefill(withLogits, prompt, 0, prompt.length, logits);
        ex.prefill(withArgmax, prompt, 0, prompt.length, new float[vocab]);
        int token = argmax(logits);
        for (int step = 0; step < steps; step++) {
            java.util.Arrays.fill(logits, Float.NaN);
            int fromDevice = ex.decodeArgmax(withArgmax, token, logits);
            assertTrue(Float.isNaN(logits[0]), "decodeArgmax brought the logits back to the host");
            ex.decode(withLogits, token, logits);
            assertEquals(argmax(logits), fromDevice, "step " + step);
            token = fromDevice;
        }
    }

    private static DeviceExecutor executor(DeviceOps ops, LlamaModel model, int batch) {
        return new DeviceExecutor(ops, model, new ExecutorOptions(1, batch), LoadListener.NONE, false);
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double maxAbsDifference(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
