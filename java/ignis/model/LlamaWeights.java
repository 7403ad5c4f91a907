package ignis.model;

import ignis.IgnisException;
import ignis.gguf.GGUFFile;
import ignis.tensor.Tensor;
import java.util.Arrays;

/**
 * All weights of a llama model, checked against the config: every tensor present, of the expected
 * shape and of a type Ignis computes with. Matrices stay in the file mapping.
 *
 * @param output          the output projection: output.weight, or the token embedding when tied
 * @param ropeFreqFactors Llama 3 RoPE frequency factors (rope_freqs.weight), or null
 */
public record LlamaWeights(
        Tensor tokenEmbedding,
        LayerWeights[] layers,
        float[] outputNorm,
        Tensor output,
        float[] ropeFreqFactors) {

    public static LlamaWeights fromGGUF(GGUFFile f, LlamaConfig c, LoadListener listener) {
        Tensor embedding = matrix(f, "token_embd.weight", c.dim(), c.vocabSize());
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int i = 0; i < c.layers(); i++) {
            String p = "blk." + i + ".";
            layers[i] = new LayerWeights(
                    vector(f, p + "attn_norm.weight", c.dim()),
                    matrix(f, p + "attn_q.weight", c.dim(), c.queryDim()),
                    matrix(f, p + "attn_k.weight", c.dim(), c.kvDim()),
                    matrix(f, p + "attn_v.weight", c.dim(), c.kvDim()),
                    matrix(f, p + "attn_output.weight", c.queryDim(), c.dim()),
                    vector(f, p + "ffn_norm.weight", c.dim()),
                    matrix(f, p + "ffn_gate.weight", c.dim(), c.ffn()),
                    matrix(f, p + "ffn_up.weight", c.dim(), c.ffn()),
                    matrix(f, p + "ffn_down.weight", c.ffn(), c.dim()));
            listener.blocksLoaded(i + 1, c.layers());
        }
        Tensor output = f.hasTensor("output.weight") ? matrix(f, "output.weight", c.dim(), c.vocabSize()) : embedding;
        float[] freqFactors = f.hasTensor("rope_freqs.weight") ? vector(f, "rope_freqs.weight", c.headDim() / 2) : null;
        return new LlamaWeights(embedding, layers, vector(f, "output_norm.weight", c.dim()), output, freqFactors);
    }

    private static Tensor matrix(GGUFFile f, String name, int rowLength, int rows) {
        return checked(f, name, new long[] {rowLength, rows});
    }

    private static float[] vector(GGUFFile f, String name, int length) {
        return checked(f, name, new long[] {length}).toFloatArray();
    }

    private static Tensor checked(GGUFFile f, String name, long[] expected) {
        Tensor t = f.tensor(name);
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IgnisException(f.path() + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(expected));
        }
        if (!t.type().isSupported()) {
            throw new IgnisException(f.path() + ": tensor '" + name + "' has type " + t.type() + ", which Ignis does not support");
        }
        return t;
    }
}
