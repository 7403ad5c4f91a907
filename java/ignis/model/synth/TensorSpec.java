package ignis.model.synth;

import ignis.tensor.GGMLType;
import java.util.Arrays;

/** One tensor of a synthetic model: name, ggml shape (row length first), type, and how its values are drawn. */
public record TensorSpec(String name, long[] shape, GGMLType type, WeightInit init) {

    public TensorSpec {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rowLength() {
        return (int) shape[0];
    }

    public int rowCount() {
        long rows = 1;
        for (int d = 1; d < shape.length; d++) {
            rows *= shape[d];
        }
        return Math.toIntExact(rows);
    }

    public long byteSize() {
        return type.bytesFor((long) rowLength() * rowCount());
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
