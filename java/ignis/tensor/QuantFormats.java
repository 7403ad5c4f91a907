package ignis.tensor;

import ignis.IgnisException;

/** The registry of implemented formats. */
final class QuantFormats {
    private QuantFormats() {
    }

    static QuantFormat of(GGMLType type) {
        throw new IgnisException("tensor type " + type + " is not supported");
    }
}
