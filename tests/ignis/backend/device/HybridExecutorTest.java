package ignis.backend.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import ignis.backend.ExecutorOptions;
import ignis.backend.KvCache;
import ignis.backend.ModelExecutor;
import ignis.backend.cpu.CpuExecutor;
import ignis.model.ForwardPassTest;
import ignis.model.LlamaModel;
import ignis.model.LoadListener;
import ignis.model.SyntheticModels;
import ignis.model.synth.ModelShape;
import ignis.runtime.EngineOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --gpu-layers N}: the first blocks on the CPU, the last N-1 and the output head on the
 * device, for N in {0, 1, layers-1, layers, layers+1} (and every N of a four-block model), against
 * the float64 pass, prefill against decode, and the cache's two halves kept at one length.
 */
class HybridExecutorTest {
    /** TEST_SHAPE with four blocks, so that both sides can run more than one. */
    static final ModelShape FOUR_BLOCKS = new ModelShape(256, 4, 4, 2, 512, 2048, 512, 10000f, 1e-5f, false, null);

    /**
     * Tolerances against the float64 pass: where a block runs on the CPU, its activation
     * quantization's (ModelTypesTest's, 5e-3 for F32 and 1.2e-1 for Q8_0), at least the device's
     * (DeviceModelTest's 1e-2).
     */
    static Stream<Arguments> splits() {
        List<Arguments> cases = new ArrayList<>();
        for (DeviceOps ops : TestDevices.ops()) {
            add(cases, ops, "F32", SyntheticModels.TEST_SHAPE, 1e-2);
            add(cases, ops, "Q8_0", SyntheticModels.TEST_SHAPE, 1.2e-1);
            add(cases, ops, "F32", FOUR_BLOCKS, 1e-2);
            add(cases, ops, "Q8_0", SyntheticModels.LLAMA3_STYLE_SHAPE, 1.2e-1); // tied output, GQA, RoPE factors
        }
        return cases.stream();
    }

    private static void add(List<Arguments> cases, DeviceOps ops, String type, ModelShape shape, double tolerance) {
        int layers = shape.layers();
        TreeSet<Integer> ns = new TreeSet<>(List.of(0, 1, layers - 1, layers, layers + 1));
        if (layers == 4) {
            ns.add(2);
            ns.add(3);
        }
        for (int n : ns) {
            cases.add(Arguments.of(ops, type, shape, n, tolerance));
        }
    }

    @ParameterizedTest(name = "{0} {1} {2} gpu layers {3}")
    @MethodSource("splits")
    void logitsMatchFloat64ReferenceAndPrefillEqualsDecode(DeviceOps ops, String type, ModelShape shape, int gpuLayers, double tolerance) {
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(shape, type, 7))) {
            ForwardPassTest.checkAgainstReference(model, m -> executor(ops, m, 8, gpuLayers), tolerance, 11);
            // Batch of 5: the 12 tokens go in chunks of 5, 5, 2, each crossing to the device once.
            ForwardPassTest.checkPrefillEqualsDecode(model, m -> executor(ops, m, 5, gpuLayers), 12, Math.max(1e-3, tolerance / 4));
        }
    }

    /** llama.cpp's i_gpu_start = max(layers + 1 - N, 0) over layers + 1 slots, the output head the top one. */
    @Test
    void placementFollowsLlamaCpp() {
        assertEquals(4, HybridExecutor.firstDeviceBlock(4, 0)); // nothing on the device (the output head neither)
        assertEquals(4, HybridExecutor.firstDeviceBlock(4, 1)); // the output head only
        assertEquals(3, HybridExecutor.firstDeviceBlock(4, 2));
        assertEquals(1, HybridExecutor.firstDeviceBlock(4, 4)); // block 0 stays on the CPU
        assertEquals(0, HybridExecutor.firstDeviceBlock(4, 5));
        assertEquals(0, HybridExecutor.firstDeviceBlock(4, 99));
        assertEquals(0, HybridExecutor.firstDeviceBlock(4, -1));
    }

    @Test
    void executorKindFollowsGpuLayers() {
        DeviceOps ops = TestDevices.ops().get(0);
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(FOUR_BLOCKS, "Q8_0", 7))) {
            try (ModelExecutor ex = executor(ops, model, 8, 0)) {
                assertInstanceOf(CpuExecutor.class, ex);
            }
            for (int n = 1; n <= 4; n++) {
                try (ModelExecutor ex = executor(ops, model, 8, n)) {
                    assertEquals(5 - n, assertInstanceOf(HybridExecutor.class, ex).firstDeviceBlock(), "gpu layers " + n);
                }
            }
            for (int n : new int[] {-1, 5, 6}) {
                try (ModelExecutor ex = executor(ops, model, 8, n)) {
                    assertInstanceOf(DeviceExecutor.class, ex, "gpu layers " + n);
                }
            }
        }
    }

    /** With 0 the device backend runs on the CPU without opening its device. */
    @Test
    void zeroGpuLayersOpensNoDevice() {
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(SyntheticModels.TEST_SHAPE, "Q8_0", 7));
             ModelExecutor ex = new DeviceBackend("test", () -> {
                 throw new AssertionError("the device was opened");
             }).load(model, new ExecutorOptions(2, 8, 0))) {
            assertInstanceOf(CpuExecutor.class, ex);
        }
    }

    @Test
    void gpuLayersBelowMinusOneAreRejectedByName() {
        for (int bad : new int[] {-2, -100, Integer.MIN_VALUE}) {
            assertTrue(assertThrows(IgnisException.class, () -> new ExecutorOptions(2, 8, bad)).getMessage().contains("--gpu-layers"));
            assertTrue(assertThrows(IgnisException.class, () -> EngineOptions.defaults().withGpuLayers(bad)).getMessage()
                    .contains("--gpu-layers"));
            assertThrows(IgnisException.class, () -> HybridExecutor.firstDeviceBlock(4, bad));
        }
        assertEquals(-1, ExecutorOptions.defaults().gpuLayers());
        assertEquals(-1, EngineOptions.defaults().gpuLayers());
        assertEquals(3, EngineOptions.defaults().withGpuLayers(3).withThreads(1).withBatchTokens(4).gpuLayers());
    }

    /**
     * Truncating forgets positions on both halves: re-running the forgotten tokens gives the logits
     * of an untruncated run, and a bad length changes neither half.
     */
    @ParameterizedTest(name = "gpu layers {0}")
    @ValueSource(ints = {1, 3, 4})
    void truncateKeepsBothHalvesConsistent(int gpuLayers) {
        DeviceOps ops = TestDevices.ops().get(0);
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(FOUR_BLOCKS, "F32", 7));
             ModelExecutor ex = executor(ops, model, 8, gpuLayers)) {
            int vocab = model.config().vocabSize();
            int[] tokens = ForwardPassTest.randomTokens(vocab, 10, 31);
            int[] other = ForwardPassTest.randomTokens(vocab, 10, 32);
            float[] expected = new float[vocab];
            ex.prefill(ex.newCache(16), tokens, 0, 10, expected);

            KvCache cache = ex.newCache(16);
            float[] logits = new float[vocab];
            ex.prefill(cache, tokens, 0, 6, logits);
            ex.prefill(cache, other, 0, 4, logits); // positions 6..9 filled with other tokens, on both halves
            assertThrows(IllegalArgumentException.class, () -> cache.truncate(11));
            cache.truncate(6);
            HybridExecutor.Cache halves = (HybridExecutor.Cache) cache;
            assertEquals(6, halves.host.length());
            assertEquals(6, halves.device.length());
            ex.decode(cache, tokens[6], logits);
            ex.prefill(cache, tokens, 7, 3, logits);
            assertEquals(10, cache.length());
            assertClose(expected, logits, 2e-3);
        }
    }

    /** decodeArgmax sends back the argmax of the logits decode computes, and leaves the logits alone. */
    @Test
    void decodeArgmaxEqualsTheArgmaxOfTheLogits() {
        DeviceOps ops = TestDevices.ops().get(0);
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(FOUR_BLOCKS, "Q8_0", 7));
             ModelExecutor ex = executor(ops, model, 8, 2)) {
            DeviceModelTest.assertOnDeviceArgmaxMatchesTheLogits(ex, model.config().vocabSize(), 8);
        }
    }

    private static ModelExecutor executor(DeviceOps ops, LlamaModel model, int batch, int gpuLayers) {
        return HybridExecutor.load(ops, model, new ExecutorOptions(2, batch, gpuLayers), LoadListener.NONE, false);
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance) {
        double ss = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            ss += (double) expected[i] * expected[i];
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        double rms = Math.sqrt(ss / expected.length);
        assertTrue(worst <= tolerance * rms, "off by " + worst + ", allowed " + tolerance * rms);
    }
}
