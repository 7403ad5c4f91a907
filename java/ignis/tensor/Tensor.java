package ignis.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named tensor over memory Ignis does not copy (a GGUF mapping, a device buffer's host view).
 * {@code shape[0]} is the row length (ggml's ne0, the fastest-varying dimension).
 */
public record Tensor(String name, GGMLType type, long[] shape, MemorySegment data) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public int rowLength() {
        return Math.toIntExact(shape[0]);
    }

    public int rowCount() {
        return Math.toIntExact(elementCount() / shape[0]);
    }

    public long rowBytes() {
        return type.bytesFor(shape[0]);
    }

    public QuantFormat format() {
        return QuantFormat.of(type);
    }

    /** Decodes row {@code row} into {@code dst}. */
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        format().dequantize(data, row * rowBytes(), dst, dstOffset, rowLength());
    }

    /** Decodes the whole tensor (for tests and small tensors such as norms). */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(elementCount())];
        for (int r = 0; r < rowCount(); r++) {
            dequantizeRow(r, out, r * rowLength());
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
