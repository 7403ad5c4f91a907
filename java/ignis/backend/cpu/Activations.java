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
    private float[] rows;
    private boolean[] batchOrder;
    private int tokens;
    private int length;

    Activations(int maxTokens, int maxLength) {
        this.maxTokens = maxTokens;
        this.maxLength = maxLength;
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
            QuantFormat format = QuantFormat.of(type);
            long stride = rowBytes(type);
            for (int t = 0; t < tokens; t++) {
                format.quantize(rows, t * length, converted[k], t * stride, length);
            }
            ready[k] = true;
        }
        return converted[k];
    }

    /** The rows converted to {@code type} as the matrix kernels read them (see {@link MatrixInput}). */
    MatrixInput input(GGMLType type) {
        int k = type.ordinal();
        if (!inputReady[k]) {
            if (inputs[k] == null) {
                inputs[k] = new MatrixInput(type);
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
