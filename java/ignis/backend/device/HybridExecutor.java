package ignis.backend.device;

import ignis.backend.ChunkedPass;
import ignis.backend.ExecutorOptions;
import ignis.backend.KvCache;
import ignis.backend.KvCacheBase;
import ignis.backend.ModelExecutor;
import ignis.backend.PrefillChecks;
import ignis.backend.cpu.CpuBackend;
import ignis.backend.cpu.CpuExecutor;
import ignis.model.LlamaConfig;
import ignis.model.LlamaModel;
import ignis.model.LoadListener;

/**
 * A model split between the CPU and a device, as llama.cpp's {@code --n-gpu-layers N} splits it:
 * the token embedding and the first blocks on the CPU ({@link CpuExecutor}, llama.cpp's numerics),
 * the last blocks and the output head on the device ({@link DeviceExecutor}).
 *
 * <p>Placement (llama.cpp's {@code i_gpu_start = max(n_layer + 1 - N, 0)}): the {@code layers + 1}
 * slots are the blocks {@code 0 .. layers-1} and the output head on top, and the device takes the
 * top {@code N}. So {@code N = 0} runs everything on the CPU, {@code N = 1} only the output head on
 * the device, {@code N = k + 1} the output head and the last {@code k} blocks, and
 * {@code N >= layers + 1} (or -1) the whole model; the input embedding stays on the CPU whenever a
 * block does (llama.cpp keeps it there always).
 *
 * <p>A chunk of up to {@code maxBatchTokens} tokens is embedded and run through the CPU's blocks,
 * its hidden state ({@code n * dim} floats) goes up once, and the device runs the rest; only the
 * logits (or, for {@link #decodeArgmax}, the token id) come back. The cache is a CPU cache of the
 * CPU's blocks and a device cache of the device's, advanced and truncated together.
 */
public final class HybridExecutor implements ModelExecutor, ChunkedPass {
    private final LlamaConfig c;
    private final int batch;
    private final int firstDeviceBlock;
    private final CpuExecutor host;
    private final DeviceExecutor device;
    private final int[] single = new int[1];

    private HybridExecutor(DeviceOps ops, LlamaModel model, ExecutorOptions options, LoadListener listener, boolean ownsDevice,
                           int firstDeviceBlock) {
        this.c = model.config();
        this.batch = options.maxBatchTokens();
        this.firstDeviceBlock = firstDeviceBlock;
        // The device first: running out of its memory is the likely failure, found before packing.
        this.device = new DeviceExecutor(ops, model, options, listener, ownsDevice, firstDeviceBlock);
        try {
            this.host = CpuExecutor.forBlocks(model, options, 0, firstDeviceBlock, false);
        } catch (RuntimeException | Error e) {
            device.close();
            throw e;
        }
    }

    /**
     * The first block the device runs for {@code gpuLayers} ({@code --gpu-layers}) on a model of
     * {@code layers} blocks: {@code layers + 1 - gpuLayers} clamped to {@code [0, layers]}; all
     * blocks from it on run on the device, and the output head does when {@code gpuLayers != 0}.
     * -1 (all) gives 0.
     */
    public static int firstDeviceBlock(int layers, int gpuLayers) {
        ExecutorOptions.checkGpuLayers(gpuLayers);
        if (gpuLayers == ExecutorOptions.ALL_LAYERS) {
            return 0;
        }
        return Math.min(layers, Math.max(0, layers + 1 - gpuLayers));
    }

    /**
     * The executor {@code options.gpuLayers()} asks for: the whole model on the device of
     * {@code ops} (-1, or more than {@code layers}), split between the CPU and it
     * ({@code 1 .. layers}), or everything on the CPU (0; the device is then closed at once when
     * {@code ownsDevice}, a caller that can should not open it). With {@code ownsDevice} closing the
     * executor closes the device.
     */
    public static ModelExecutor load(DeviceOps ops, LlamaModel model, ExecutorOptions options, LoadListener listener,
                                     boolean ownsDevice) {
        int layers = model.config().layers();
        int gpuLayers = options.gpuLayers();
        ExecutorOptions.checkGpuLayers(gpuLayers);
        if (gpuLayers == 0) {
            if (ownsDevice) {
                ops.device().close();
            }
            return new CpuBackend().load(model, options);
        }
        int first = firstDeviceBlock(layers, gpuLayers);
        if (first == 0) {
            return new DeviceExecutor(ops, model, options, listener, ownsDevice);
        }
        return new HybridExecutor(ops, model, options, listener, ownsDevice, first);
    }

    /** Blocks {@code [0, firstDeviceBlock())} run on the CPU, the rest and the output head on the device. */
    public int firstDeviceBlock() {
        return firstDeviceBlock;
    }

    public Device device() {
        return device.device();
    }

    @Override
    public LlamaConfig config() {
        return c;
    }

    @Override
    public KvCache newCache(int contextLength) {
        return new Cache(host.newCache(contextLength), (DeviceKvCache) device.newCache(contextLength));
    }

    @Override
    public void prefill(KvCache cache, int[] tokens, int offset, int count, float[] logits) {
        ChunkedPass.prefill(this, c, batch, cache, tokens, offset, count, logits);
    }

    @Override
    public void forwardChunk(KvCache cache, int[] tokens, int offset, int n) {
        forwardBlocks((Cache) cache, tokens, offset, n);
    }

    @Override
    public void outputLogits(int first, int n, float[] out, int outOffset) {
        device.outputLogits(first, n, out, outOffset);
    }

    @Override
    public void decode(KvCache cache, int token, float[] logits) {
        single[0] = token;
        prefill(cache, single, 0, 1, logits);
    }

    /** The argmax on the device, as {@link DeviceExecutor}'s: only the id comes back, {@code logits} stays as it was. */
    @Override
    public int decodeArgmax(KvCache cache, int token, float[] logits) {
        Cache kv = (Cache) cache;
        single[0] = token;
        PrefillChecks.check(c, kv, single, 0, 1, logits);
        forwardBlocks(kv, single, 0, 1);
        return device.outputArgmax();
    }

    /** Embeds and runs {@code n} tokens through the CPU's blocks, then, from the uploaded hidden state, the device's. */
    private void forwardBlocks(Cache kv, int[] tokens, int offset, int n) {
        host.embed(tokens, offset, n);
        host.forwardBlocks(kv.host, n);
        device.uploadHidden(host.hidden(), n);
        device.forwardBlocks(kv.device, n);
        kv.advance(n); // only once both halves hold the chunk, so a failure leaves them consistent
    }

    @Override
    public void close() {
        try {
            host.close();
        } finally {
            device.close();
        }
    }

    /** A CPU cache of the CPU's blocks and a device cache of the device's, of one length. */
    static final class Cache implements KvCache {
        final KvCacheBase host;
        final DeviceKvCache device;

        Cache(KvCache host, DeviceKvCache device) {
            this.host = (KvCacheBase) host;
            this.device = device;
        }

        @Override
        public int capacity() {
            return host.capacity();
        }

        @Override
        public int length() {
            return host.length();
        }

        void advance(int tokens) {
            host.advance(tokens);
            device.advance(tokens);
        }

        @Override
        public void truncate(int length) {
            host.truncate(length); // rejects a bad length before the device half changes
            device.truncate(length);
        }
    }
}
