package ignis.model;

import ignis.tensor.Tensor;

/** The weights of one transformer block. Norm weights are decoded to floats once. */
public record LayerWeights(
        float[] attentionNorm,
        Tensor wq,
        Tensor wk,
        Tensor wv,
        Tensor wo,
        float[] ffnNorm,
        Tensor wGate,
        Tensor wUp,
        Tensor wDown) {
}
