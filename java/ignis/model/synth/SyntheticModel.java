package ignis.model.synth;

import ignis.IgnisException;
import ignis.gguf.GGUFValue;
import ignis.gguf.GGUFWriter;
import ignis.tensor.GGMLType;
import ignis.tensor.QuantFormat;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.stream.IntStream;

/**
 * Writes llama-architecture GGUF models with seeded random weights that llama.cpp loads: the
 * tensor names, shapes and metadata of its "llama" architecture, any {@link ModelShape}, any weight
 * type with a {@link QuantFormat}. Values are drawn row by row and quantized straight into the
 * memory-mapped output, in parallel, so even an 8B model never sits on the heap.
 *
 * <p>Weights: projections N(0, 1/fan_in) where fan_in is the row length; norm weights
 * 1 + 0.1 N(0,1); token embeddings N(0,1); output N(0, 16/dim) so that logits of a normalized
 * hidden state have a standard deviation of about 4 (clear greedy margins). With tied embeddings
 * the embedding matrix is the output matrix and gets the output scale.
 */
public final class SyntheticModel {
    /** gguf-py's GGML_QUANT_VERSION. */
    public static final int QUANTIZATION_VERSION = 2;
    /** Target standard deviation of the logits. */
    public static final double LOGIT_STD = 4;
    /** Values drawn and quantized between two progress reports. */
    private static final int CHUNK_ELEMENTS = 1 << 20;

    private SyntheticModel() {
    }

    public static void write(Path out, ModelShape shape, GGMLType type, long seed, Vocabulary vocab, ProgressListener progress) {
        write(out, shape, TypeRecipe.uniform(type), seed, vocab, progress);
    }

    /**
     * Writes the model to {@code out}. The vocabulary size is {@code vocab}'s, whatever
     * {@code shape.vocabSize()} says.
     */
    public static void write(Path out, ModelShape shape, TypeRecipe types, long seed, Vocabulary vocab,
            ProgressListener progress) {
        ModelShape actual = shape.withVocabSize(vocab.size());
        List<TensorSpec> tensors = plan(actual, types);
        tensors.stream().map(TensorSpec::type).distinct().forEach(QuantFormat::of); // fail before writing anything

        GGUFWriter writer = new GGUFWriter();
        putHyperparameters(writer, actual, types, seed);
        vocab.putInto(writer);
        long total = tensors.stream().mapToLong(TensorSpec::byteSize).sum();
        long[] done = {0};
        for (TensorSpec spec : tensors) {
            writer.addTensor(spec.name(), spec.type(), spec.shape(), target -> fill(target, spec, seed, bytes -> {
                done[0] += bytes;
                progress.progress(done[0], total, spec.name());
            }));
        }
        writer.write(out);
    }

    private static void putHyperparameters(GGUFWriter w, ModelShape s, TypeRecipe types, long seed) {
        w.put("general.architecture", GGUFValue.of("llama"));
        w.put("general.name", GGUFValue.of("ignis synthetic llama " + s.describe() + " " + types));
        w.put("general.file_type", GGUFValue.ofUInt32(types.fileType()));
        w.put("general.quantization_version", GGUFValue.ofUInt32(QUANTIZATION_VERSION));
        w.put("ignis.synthetic.seed", GGUFValue.ofUInt64(seed));
        w.put("llama.vocab_size", GGUFValue.ofUInt32(s.vocabSize()));
        w.put("llama.context_length", GGUFValue.ofUInt32(s.contextLength()));
        w.put("llama.embedding_length", GGUFValue.ofUInt32(s.dim()));
        w.put("llama.block_count", GGUFValue.ofUInt32(s.layers()));
        w.put("llama.feed_forward_length", GGUFValue.ofUInt32(s.ffn()));
        w.put("llama.attention.head_count", GGUFValue.ofUInt32(s.heads()));
        w.put("llama.attention.head_count_kv", GGUFValue.ofUInt32(s.kvHeads()));
        w.put("llama.rope.freq_base", GGUFValue.ofFloat32(s.ropeBase()));
        w.put("llama.attention.layer_norm_rms_epsilon", GGUFValue.ofFloat32(s.rmsEps()));
        w.put("llama.rope.dimension_count", GGUFValue.ofUInt32(s.headDim()));
    }

    /** Every tensor of the model, in file order, with its type under {@code types}. */
    public static List<TensorSpec> plan(ModelShape s, TypeRecipe types) {
        List<TensorSpec> specs = new ArrayList<>();
        double outputStd = LOGIT_STD / Math.sqrt(s.dim());
        specs.add(matrix("token_embd.weight", types.matrixType("token_embd", -1, s), s.dim(), s.vocabSize(),
                s.tiedEmbeddings() ? outputStd : 1));
        if (s.ropeScaling() != null) {
            float[] factors = s.ropeScaling().frequencyFactors(s.headDim(), s.ropeBase());
            specs.add(new TensorSpec("rope_freqs.weight", new long[] {factors.length}, GGMLType.F32,
                    new WeightInit.Fixed(factors)));
        }
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            specs.add(norm(p + "attn_norm.weight", s.dim()));
            specs.add(projection(p + "attn_q.weight", types.matrixType("attn_q", l, s), s.dim(), s.dim()));
            specs.add(projection(p + "attn_k.weight", types.matrixType("attn_k", l, s), s.dim(), s.kvDim()));
            specs.add(projection(p + "attn_v.weight", types.matrixType("attn_v", l, s), s.dim(), s.kvDim()));
            specs.add(projection(p + "attn_output.weight", types.matrixType("attn_output", l, s), s.dim(), s.dim()));
            specs.add(norm(p + "ffn_norm.weight", s.dim()));
            specs.add(projection(p + "ffn_gate.weight", types.matrixType("ffn_gate", l, s), s.dim(), s.ffn()));
            specs.add(projection(p + "ffn_up.weight", types.matrixType("ffn_up", l, s), s.dim(), s.ffn()));
            specs.add(projection(p + "ffn_down.weight", types.matrixType("ffn_down", l, s), s.ffn(), s.dim()));
        }
        specs.add(norm("output_norm.weight", s.dim()));
        if (!s.tiedEmbeddings()) {
            specs.add(matrix("output.weight", types.matrixType("output", -1, s), s.dim(), s.vocabSize(), outputStd));
        }
        return specs;
    }

    private static TensorSpec norm(String name, int length) {
        return new TensorSpec(name, new long[] {length}, GGMLType.F32, new WeightInit.Gaussian(1, 0.1));
    }

    private static TensorSpec projection(String name, GGMLType type, int fanIn, int fanOut) {
        return matrix(name, type, fanIn, fanOut, 1 / Math.sqrt(fanIn));
    }

    private static TensorSpec matrix(String name, GGMLType type, int rowLength, int rows, double std) {
        if (rowLength % type.blockSize != 0) {
            throw new IgnisException("tensor '" + name + "': row length " + rowLength + " is not a multiple of the "
                    + type + " block size " + type.blockSize);
        }
        return new TensorSpec(name, new long[] {rowLength, rows}, type, new WeightInit.Gaussian(0, std));
    }

    /** Draws and encodes every row of {@code spec} into {@code target}, telling {@code bytesDone} chunk by chunk. */
    static void fill(MemorySegment target, TensorSpec spec, long seed, LongConsumer bytesDone) {
        QuantFormat format = QuantFormat.of(spec.type());
        long tensorSeed = Seeds.forTensor(seed, spec.name());
        int rowLength = spec.rowLength();
        long rowBytes = spec.type().bytesFor(rowLength);
        int rowsPerChunk = Math.max(1, CHUNK_ELEMENTS / rowLength);
        for (int start = 0; start < spec.rowCount(); start += rowsPerChunk) {
            int end = Math.min(spec.rowCount(), start + rowsPerChunk);
            IntStream.range(start, end).parallel().forEach(row -> {
                float[] values = new float[rowLength];
                spec.init().fillRow(values, row, tensorSeed);
                format.quantize(values, 0, target, row * rowBytes, rowLength);
            });
            bytesDone.accept((end - start) * rowBytes);
        }
    }
}
