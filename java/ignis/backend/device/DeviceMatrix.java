package ignis.backend.device;

import ignis.tensor.GGMLType;

/** A weight matrix in device memory, in its GGUF block layout: {@code rows} rows of {@code cols} values. */
record DeviceMatrix(GGMLType type, DeviceBuffer data, long rowBytes, int cols, int rows) {
}
