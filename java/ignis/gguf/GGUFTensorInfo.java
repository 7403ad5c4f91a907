package ignis.gguf;

import ignis.tensor.GGMLType;
import java.util.Arrays;

/** One entry of a GGUF tensor table; {@code offset} is relative to the start of the data section. */
public record GGUFTensorInfo(String name, GGMLType type, long[] shape, long offset) {

    public GGUFTensorInfo {
        shape = shape.clone();
    }

    /** A copy: the table entry itself stays unchanged. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long byteSize() {
        return type.bytesFor(elementCount());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GGUFTensorInfo t && name.equals(t.name) && type == t.type
                && Arrays.equals(shape, t.shape) && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + type.hashCode()) + Arrays.hashCode(shape) + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset;
    }
}
