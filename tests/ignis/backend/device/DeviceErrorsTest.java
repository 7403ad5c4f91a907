package ignis.backend.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import ignis.backend.ExecutorOptions;
import ignis.backend.KvCache;
import ignis.model.LlamaModel;
import ignis.model.LoadListener;
import ignis.model.SyntheticModels;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input and exhausted device memory: clear errors naming the problem, and nothing left allocated. */
class DeviceErrorsTest {

    static Stream<Arguments> devices() {
        return TestDevices.ops().stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void modelLargerThanDeviceMemoryNamesTheTensorAndFreesWhatWasUploaded(DeviceOps ops) {
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(SyntheticModels.TEST_SHAPE, "F32", 7))) {
            MemoryLimitedDevice small = new MemoryLimitedDevice(ops.device(), model.weightBytes() / 2);
            DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
                    () -> new DeviceExecutor(new DeviceOps(small), model, new ExecutorOptions(1, 8), LoadListener.NONE, true));
            assertTrue(e.getMessage().contains("limited " + ops.device().name()), e.getMessage());
            assertTrue(e.getMessage().matches(".*allocating blk\\.\\d+\\.\\w+\\.weight: needed .* free .*"), e.getMessage());
            assertTrue(e.requested() > e.free(), e.getMessage());
            assertEquals(0, small.liveBytes(), "buffers left allocated after the failed load");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void kvCacheTooLargeFailsCleanlyAndTheExecutorStaysUsable(DeviceOps ops) {
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(SyntheticModels.TEST_SHAPE, "Q8_0", 7))) {
            MemoryLimitedDevice small = new MemoryLimitedDevice(ops.device(), model.weightBytes() + (64 << 20));
            try (DeviceExecutor ex = new DeviceExecutor(new DeviceOps(small), model, new ExecutorOptions(1, 8), LoadListener.NONE, true)) {
                long before = small.liveBytes();
                DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class, () -> ex.newCache(1 << 20));
                assertTrue(e.getMessage().contains("KV cache") || e.getMessage().contains("flash-decoding"), e.getMessage());
                assertEquals(before, small.liveBytes(), "a failed cache allocation left buffers behind");
                KvCache cache = ex.newCache(16);
                float[] logits = new float[model.config().vocabSize()];
                ex.prefill(cache, new int[] {1, 2, 3}, 0, 3, logits);
                assertTrue(Float.isFinite(logits[0]));
            }
            assertEquals(0, small.liveBytes(), "closing the executor left buffers behind");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void promptLongerThanTheContextAndBadTokensAreRefusedBeforeAnyLaunch(DeviceOps ops) {
        try (LlamaModel model = LlamaModel.load(SyntheticModels.get(SyntheticModels.TEST_SHAPE, "Q4_0", 7));
             DeviceExecutor ex = new DeviceExecutor(ops, model, new ExecutorOptions(1, 8), LoadListener.NONE, false)) {
            KvCache cache = ex.newCache(4);
            float[] logits = new float[model.config().vocabSize()];
            IgnisException tooLong = assertThrows(IgnisException.class, () -> ex.prefill(cache, new int[5], 0, 5, logits));
            assertTrue(tooLong.getMessage().contains("exceeds the context length 4"), tooLong.getMessage());
            IgnisException badToken = assertThrows(IgnisException.class,
                    () -> ex.prefill(cache, new int[] {model.config().vocabSize()}, 0, 1, logits));
            assertTrue(badToken.getMessage().contains("outside the vocabulary"), badToken.getMessage());
            assertEquals(0, cache.length());
        }
    }
}
