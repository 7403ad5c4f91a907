package ignis.backend.cpu;

import ignis.tensor.GGMLType;
import ignis.tensor.MatrixInput;
import ignis.tensor.QuantFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Rows of float activations and their conversions to the types weight formats multiply with
 * (Q8_0, Q8_K, F16, ...), as llama.cpp converts them before its dot products. A conversion is made
 * once per type on first use and reused by every matrix that reads the same input.
 */
final class Activations {
    private final int maxTokens;
    private final int maxLength;
    private final MemorySegment[] converted = new MemorySegment[GGMLType.values().length];
    private final boolean[] ready = new boolean[GGMLType.values().length];
    private final MatrixInput[] inputs = new MatrixInput[GGMLType.values().length];
    private final boolean[] inputReady = new boolean[GGMLType.values().length];
    private final MatrixInput.TokenLoop loop;
    /** The conversion {@link #as} hands to {@link #loop}: of {@link #quantizing} into {@link #quantizeInto}, token by token. */
    private final MatrixInput.TokenRange quantizeRange = this::quantizeTokens;
    private QuantFormat quantizing;
    private MemorySegment quantizeInto;
    private float[] rows;
    private boolean[] batchOrder;
    private int tokens;
    private int length;

    /** Per-token conversions on the calling thread; {@link #Activations(int, int, MatrixInput.TokenLoop)} splits them. */
    Activations(int maxTokens, int maxLength) {
        this(maxTokens, maxLength, (count, range) -> range.run(0, count));
    }

    Activations(int maxTokens, int maxLength, MatrixInput.TokenLoop loop) {
        this.maxTokens = maxTokens;
        this.maxLength = maxLength;
        this.loop = loop;
    }

    /** Takes {@code tokens} rows of {@code length} floats from {@code rows} (not copied: do not change them while in use). */
    void set(float[] rows, int tokens, int length) {
        set(rows, tokens, length, null);
    }

    /** As {@link #set(float[], int, int)}, with each token's summation order (see {@link MatrixInput#setSumOrder}). */
    void set(float[] rows, int tokens, int length, boolean[] batchOrder) {
        if (tokens > maxTokens || length > maxLength) {
            throw new IllegalArgumentException(tokens + "x" + length + " exceeds " + maxTokens + "x" + maxLength);
        }
        this.rows = rows;
        this.batchOrder = batchOrder;
        this.tokens = tokens;
        this.length = length;
        java.util.Arrays.fill(ready, false);
        java.util.Arrays.fill(inputReady, false);
    }

    int tokens() {
        return tokens;
    }

    int length() {
        return length;
    }

    long rowBytes(GGMLType type) {
        return type.bytesFor(length);
    }

    /** The rows converted to {@code type}, row {@code t} at byte {@code t * rowBytes(type)}. */
    MemorySegment as(GGMLType type) {
        int k = type.ordinal();
        if (!ready[k]) {
            if (converted[k] == null) {
                converted[k] = Arena.ofAuto().allocate(type.bytesFor(roundUp(maxLength, type.blockSize)) * maxTokens, 64);
            }
            quantizing = QuantFormat.of(type);
            quantizeInto = converted[k];
            loop.forRanges(tokens, quantizeRange);
            quantizing = null;
            quantizeInto = null;
            ready[k] = true;
        }
        return converted[k];
    }

    private void quantizeTokens(int from, int to) {
        long stride = rowBytes(quantizing.type());
        for (int t = from; t < to; t++) {
            quantizing.quantize(rows, t * length, quantizeInto, t * stride, length);
        }
    }

    /** The rows converted to {@code type} as the matrix kernels read them (see {@link MatrixInput}). */
    MatrixInput input(GGMLType type) {
        int k = type.ordinal();
        if (!inputReady[k]) {
            if (inputs[k] == null) {
                inputs[k] = new MatrixInput(type);
                inputs[k].setTokenLoop(loop);
            }
            inputs[k].set(as(type), rowBytes(type), length, tokens);
            inputs[k].setSumOrder(batchOrder);
            inputReady[k] = true;
        }
        return inputs[k];
    }

    private static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
