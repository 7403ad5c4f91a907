package ignis.gguf;

import ignis.tensor.GGMLType;

/** One entry of a GGUF tensor table; {@code offset} is relative to the start of the data section. */
public record GGUFTensorInfo(String name, GGMLType type, long[] shape, long offset) {

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
}
