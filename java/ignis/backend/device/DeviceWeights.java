package ignis.backend.device;

import ignis.model.LayerWeights;
import ignis.model.LlamaWeights;
import ignis.model.LoadListener;
import ignis.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's weights uploaded once to a device: matrices as the file stores them (still
 * quantized), norm weights and RoPE factors as floats. A tied output projection shares the
 * embedding's upload. If an upload fails (out of memory) everything uploaded so far is freed.
 */
final class DeviceWeights implements AutoCloseable {
    /** One transformer block's weights on the device. */
    record Layer(DeviceBuffer attentionNorm, DeviceMatrix wq, DeviceMatrix wk, DeviceMatrix wv, DeviceMatrix wo,
                 DeviceBuffer ffnNorm, DeviceMatrix wGate, DeviceMatrix wUp, DeviceMatrix wDown) {
    }

    final DeviceMatrix embedding;
    final Layer[] layers;
    final DeviceBuffer outputNorm;
    final DeviceMatrix output;
    /** Llama 3 RoPE frequency factors, or null. */
    final DeviceBuffer ropeFreqFactors;

    private final Device device;
    private final List<DeviceBuffer> owned = new ArrayList<>();
    private final Map<Tensor, DeviceMatrix> uploaded = new IdentityHashMap<>();

    DeviceWeights(Device device, LlamaWeights w, LoadListener listener) {
        this.device = device;
        try {
            embedding = matrix(w.tokenEmbedding());
            layers = new Layer[w.layers().length];
            for (int i = 0; i < layers.length; i++) {
                LayerWeights l = w.layers()[i];
                String prefix = "blk." + i + ".";
                layers[i] = new Layer(floats(l.attentionNorm(), prefix + "attn_norm.weight"), matrix(l.wq()), matrix(l.wk()),
                        matrix(l.wv()), matrix(l.wo()), floats(l.ffnNorm(), prefix + "ffn_norm.weight"), matrix(l.wGate()),
                        matrix(l.wUp()), matrix(l.wDown()));
                listener.blocksLoaded(i + 1, layers.length);
            }
            outputNorm = floats(w.outputNorm(), "output_norm.weight");
            output = matrix(w.output());
            ropeFreqFactors = w.ropeFreqFactors() == null ? null : floats(w.ropeFreqFactors(), "rope_freqs.weight");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private DeviceMatrix matrix(Tensor t) {
        DeviceMatrix known = uploaded.get(t);
        if (known != null) {
            return known;
        }
        if (!DeviceOps.WEIGHT_TYPES.contains(t.type())) {
            throw new DeviceException(device.name() + ": tensor '" + t.name() + "' has type " + t.type()
                    + ", which the device kernels do not read (supported: " + DeviceOps.WEIGHT_TYPES + ")");
        }
        DeviceBuffer buffer = own(device.allocate(t.data().byteSize(), t.name()));
        device.upload(t.data(), buffer, 0);
        DeviceMatrix m = new DeviceMatrix(t.type(), buffer, t.rowBytes(), t.rowLength(), t.rowCount());
        uploaded.put(t, m);
        return m;
    }

    private DeviceBuffer floats(float[] values, String name) {
        return own(uploaded(device, values, name));
    }

    private DeviceBuffer own(DeviceBuffer b) {
        owned.add(b);
        return b;
    }

    /** A new buffer holding {@code values}. */
    static DeviceBuffer uploaded(Device device, float[] values, String purpose) {
        DeviceBuffer b = device.allocate((long) values.length * Float.BYTES, purpose);
        try {
            upload(device, values, b);
            return b;
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /** Copies {@code values} into {@code dst} through native memory (the device APIs read native addresses). */
    static void upload(Device device, float[] values, DeviceBuffer dst) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate((long) values.length * Float.BYTES, 16);
            MemorySegment.copy(values, 0, staging, ValueLayout.JAVA_FLOAT, 0, values.length);
            device.upload(staging, dst, 0);
        }
    }

    @Override
    public void close() {
        for (DeviceBuffer b : owned) {
            b.close();
        }
        owned.clear();
    }
}
