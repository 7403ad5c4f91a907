package ignis.model.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import ignis.TestData;
import ignis.gguf.GGUFFile;
import ignis.gguf.GGUFTensorInfo;
import ignis.gguf.GGUFValue;
import ignis.gguf.GGUFValueType;
import ignis.tensor.GGMLType;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SyntheticModelTest {
    /** A small custom shape: GQA, row lengths that are multiples of 32 but not of 256. */
    private static final ModelShape SMALL = new ModelShape(64, 2, 4, 2, 96, 300, 128, 10000f, 1e-5f, false, null);
    /** A small shape whose rows all hold whole K-quant super-blocks of 256. */
    private static final ModelShape K_SHAPE = new ModelShape(256, 2, 4, 2, 512, 300, 128, 10000f, 1e-5f, false, null);
    /** llama.h's llama_ftype of each uniformly typed model. */
    private static final Map<GGMLType, Long> LLAMA_FTYPE = Map.of(GGMLType.F32, 0L, GGMLType.F16, 1L, GGMLType.Q4_0, 2L,
            GGMLType.Q4_1, 3L, GGMLType.Q8_0, 7L, GGMLType.Q5_0, 8L, GGMLType.Q4_K, 14L, GGMLType.Q5_K, 16L, GGMLType.Q6_K, 18L,
            GGMLType.BF16, 32L);

    @TempDir
    static Path dir;

    // ---- structure

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q4_K", "Q5_K", "Q6_K"})
    void everyTensorAndKeyOfASmallModel(GGMLType type) {
        Vocabulary vocab = Vocabulary.generate(K_SHAPE.vocabSize(), 7);
        Path out = dir.resolve("small-" + type + ".gguf");
        SyntheticModel.write(out, K_SHAPE, type, 7, vocab, ProgressListener.NONE);
        try (GGUFFile file = GGUFFile.open(out)) {
            assertStructure(file, K_SHAPE, type);
            vocab.metadata().forEach((key, value) -> assertEquals(value, file.value(key), key));
            assertEquals(LLAMA_FTYPE.get(type), file.getLong("general.file_type"));
        }
    }

    @Test
    void theQ4KMMixIsWritten() {
        ModelShape shape = new ModelShape(256, 8, 4, 2, 512, 300, 128, 10000f, 1e-5f, false, null);
        Path out = dir.resolve("q4km.gguf");
        SyntheticModel.write(out, shape, TypeRecipe.Q4_K_M, 7, Vocabulary.generate(300, 7), ProgressListener.NONE);
        try (GGUFFile file = GGUFFile.open(out)) {
            assertStructure(file, shape, null);
            assertEquals(15, file.getLong("general.file_type"));
            for (GGUFTensorInfo info : file.tensorInfos()) {
                String name = info.name();
                // llama.cpp's use_more_bits(i, 8): layers 0 and 7, and those with (i - 1) % 3 == 2
                boolean moreBitsLayer = name.matches("blk\\.[0367]\\..*");
                GGMLType expected = name.endsWith("norm.weight") ? GGMLType.F32
                        : name.equals("output.weight") || moreBitsLayer && (name.contains("attn_v") || name.contains("ffn_down"))
                        ? GGMLType.Q6_K : GGMLType.Q4_K;
                assertEquals(expected, info.type(), name);
            }
        }
    }

    @Test
    void theNamedTinyShape() {
        Path out = dir.resolve("tiny.gguf");
        SyntheticModel.write(out, ModelShape.named("tiny"), GGMLType.F16, 1, Vocabulary.generate(32000, 1), ProgressListener.NONE);
        try (GGUFFile file = GGUFFile.open(out)) {
            assertStructure(file, ModelShape.TINY, GGMLType.F16);
            long weights = file.tensorInfos().stream().mapToLong(GGUFTensorInfo::elementCount).sum();
            assertEquals(ModelShape.TINY.parameterCount(), weights);
        }
    }

    @Test
    void tiedEmbeddingsAndLlama3RopeFactors() {
        ModelShape shape = new ModelShape(256, 1, 4, 1, 256, 300, 4096, 500000f, 1e-5f, true, Llama3RopeScaling.LLAMA_3_2);
        Path out = dir.resolve("tied.gguf");
        SyntheticModel.write(out, shape, GGMLType.F32, 3, Vocabulary.generate(300, 3), ProgressListener.NONE);
        try (GGUFFile file = GGUFFile.open(out)) {
            assertStructure(file, shape, GGMLType.F32);
            assertFalse(file.hasTensor("output.weight"));
            float[] factors = file.tensor("rope_freqs.weight").toFloatArray();
            double[] expected = converterRopeFactors(64, 500000, 32, 1, 4, 8192);
            assertEquals(32, factors.length);
            for (int i = 0; i < factors.length; i++) {
                assertEquals(expected[i], factors[i], 1e-6 * expected[i], "factor " + i);
            }
            assertEquals(1f, factors[0]);
            assertEquals(32f, factors[31]);
            int interpolated = 0;
            for (float f : factors) {
                interpolated += f > 1 && f < 32 ? 1 : 0;
            }
            assertTrue(interpolated > 0, "some pairs are interpolated: " + Arrays.toString(factors));
        }
    }

    @Test
    void namedShapesHaveThePublishedParameterCounts() {
        // Totals published for the Hugging Face checkpoints (rope factors are not weights).
        assertEquals(1_235_814_400L, ModelShape.named("llama3.2-1b").parameterCount());
        assertEquals(8_030_261_248L, ModelShape.named("llama3-8b").parameterCount());
        assertEquals(64, ModelShape.LLAMA3_2_1B.headDim());
        assertTrue(ModelShape.LLAMA3_2_1B.tiedEmbeddings());
        assertFalse(ModelShape.LLAMA3_8B.tiedEmbeddings());
        assertEquals(768, ModelShape.named("110m").dim());
        IgnisException e = assertThrows(IgnisException.class, () -> ModelShape.named("gpt-5"));
        assertTrue(e.getMessage().contains("gpt-5") && e.getMessage().contains("llama3-8b"), e.getMessage());
    }

    @Test
    void q4KMPlanForLlama3_8BFollowsLlamaCpp() {
        List<TensorSpec> untied = SyntheticModel.plan(ModelShape.LLAMA3_8B, TypeRecipe.parse("q4_k_m"));
        int moreBits = 0;
        for (TensorSpec spec : untied) {
            String name = spec.name();
            GGMLType expected;
            if (name.endsWith("norm.weight")) {
                expected = GGMLType.F32;
            } else if (name.equals("output.weight")) {
                expected = GGMLType.Q6_K;
            } else if (name.contains("attn_v") || name.contains("ffn_down")) {
                int layer = Integer.parseInt(name.split("\\.")[1]);
                // llama.cpp's use_more_bits(i, n) for n = 32
                boolean more = layer < 4 || layer >= 28 || (layer - 4) % 3 == 2;
                expected = more ? GGMLType.Q6_K : GGMLType.Q4_K;
                moreBits += more && name.contains("attn_v") ? 1 : 0;
            } else {
                expected = GGMLType.Q4_K;
            }
            assertEquals(expected, spec.type(), name);
        }
        assertEquals(16, moreBits, "half of the 32 layers get Q6_K attn_v");
        List<TensorSpec> tied = SyntheticModel.plan(ModelShape.LLAMA3_2_1B, TypeRecipe.Q4_K_M);
        assertEquals(GGMLType.Q6_K, tied.getFirst().type(), "tied embeddings are the output matrix");
        assertTrue(tied.stream().anyMatch(s -> s.name().equals("rope_freqs.weight") && s.type() == GGMLType.F32));
        assertEquals(15, TypeRecipe.Q4_K_M.fileType());
    }

    // ---- errors

    @Test
    void aRowLengthThatIsNotAWholeBlockIsNamed() {
        ModelShape badDim = new ModelShape(48, 1, 4, 2, 64, 300, 64, 10000f, 1e-5f, false, null);
        assertMessage(() -> SyntheticModel.write(dir.resolve("bad1.gguf"), badDim, GGMLType.Q8_0, 1,
                Vocabulary.generate(300, 1), ProgressListener.NONE), "token_embd.weight", "48", "Q8_0", "32");
        ModelShape badFfn = new ModelShape(64, 1, 4, 2, 100, 300, 64, 10000f, 1e-5f, false, null);
        assertMessage(() -> SyntheticModel.write(dir.resolve("bad2.gguf"), badFfn, GGMLType.Q8_0, 1,
                Vocabulary.generate(300, 1), ProgressListener.NONE), "blk.0.ffn_down.weight", "100", "Q8_0");
        assertMessage(() -> SyntheticModel.plan(SMALL, TypeRecipe.Q4_K_M).size(), "token_embd.weight", "64", "Q4_K", "256");
        assertFalse(Files.exists(dir.resolve("bad1.gguf")) || Files.exists(dir.resolve("bad2.gguf")));
    }

    @Test
    void invalidShapesAndTypesAreRejected() {
        assertMessage(() -> new ModelShape(64, 1, 5, 5, 64, 300, 64, 10000f, 1e-5f, false, null), "dim 64", "5 heads");
        assertMessage(() -> new ModelShape(64, 1, 4, 3, 64, 300, 64, 10000f, 1e-5f, false, null), "kv heads 3");
        assertMessage(() -> new ModelShape(64, 0, 4, 2, 64, 300, 64, 10000f, 1e-5f, false, null), "layers");
        assertMessage(() -> TypeRecipe.uniform(GGMLType.Q8_K), "Q8_K");
        assertMessage(() -> TypeRecipe.parse("q9_9"), "q9_9");
    }

    // ---- values

    @Test
    void sameSeedSameBytesOtherSeedOtherWeights() throws IOException {
        Vocabulary vocab = Vocabulary.generate(SMALL.vocabSize(), 1);
        Path a = dir.resolve("seed-a.gguf");
        Path b = dir.resolve("seed-b.gguf");
        Path c = dir.resolve("seed-c.gguf");
        SyntheticModel.write(a, SMALL, GGMLType.Q8_0, 11, vocab, ProgressListener.NONE);
        SyntheticModel.write(b, SMALL, GGMLType.Q8_0, 11, vocab, ProgressListener.NONE);
        SyntheticModel.write(c, SMALL, GGMLType.Q8_0, 12, vocab, ProgressListener.NONE);
        assertEquals(-1L, Files.mismatch(a, b), "same seed, same file");
        try (GGUFFile first = GGUFFile.open(a); GGUFFile other = GGUFFile.open(c)) {
            List<byte[]> seen = new ArrayList<>();
            for (GGUFTensorInfo info : first.tensorInfos()) {
                byte[] x = first.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE);
                byte[] y = other.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE);
                assertFalse(Arrays.equals(x, y), info.name() + " must change with the seed");
                for (byte[] earlier : seen) {
                    assertFalse(Arrays.equals(earlier, x), info.name() + " repeats another tensor");
                }
                seen.add(x);
            }
        }
    }

    @Test
    void weightStatisticsAreAsSpecified() {
        ModelShape shape = new ModelShape(256, 1, 4, 2, 512, 2000, 64, 10000f, 1e-5f, false, null);
        Path out = dir.resolve("stats.gguf");
        SyntheticModel.write(out, shape, GGMLType.F32, 5, Vocabulary.generate(2000, 5), ProgressListener.NONE);
        try (GGUFFile file = GGUFFile.open(out)) {
            for (GGUFTensorInfo info : file.tensorInfos()) {
                float[] w = file.tensor(info.name()).toFloatArray();
                double[] meanStd = meanAndStd(w);
                String name = info.name();
                if (name.endsWith("norm.weight")) {
                    assertEquals(1, meanStd[0], 0.04, name + " mean");
                    assertEquals(0.1, meanStd[1], 0.02, name + " std");
                } else {
                    double expected = name.equals("token_embd.weight") ? 1
                            : name.equals("output.weight") ? 4 / Math.sqrt(256) : 1 / Math.sqrt(info.shape()[0]);
                    assertEquals(0, meanStd[0], 5 * expected / Math.sqrt(w.length), name + " mean");
                    assertEquals(expected, meanStd[1], 0.03 * expected, name + " std");
                    assertTrue(Math.abs(correlation(w, 0, (int) info.shape()[0])) < 0.35, name + ": rows 0 and 1 are independent");
                }
            }
            // Logits of RMS-normalized hidden states: standard deviation about 4.
            float[] output = file.tensor("output.weight").toFloatArray();
            Random random = new Random(99);
            double sumSquares = 0;
            int count = 0;
            for (int sample = 0; sample < 16; sample++) {
                double[] h = random.doubles(256).map(x -> x - 0.5).toArray();
                double rms = Math.sqrt(Arrays.stream(h).map(x -> x * x).sum() / h.length);
                for (int token = 0; token < 2000; token++) {
                    double logit = 0;
                    for (int i = 0; i < 256; i++) {
                        logit += output[token * 256 + i] * h[i] / rms;
                    }
                    sumSquares += logit * logit;
                    count++;
                }
            }
            assertEquals(SyntheticModel.LOGIT_STD, Math.sqrt(sumSquares / count), 0.2);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "Q8_0"})
    void encodedTypesHoldTheSameValuesAsF32(GGMLType type) {
        Vocabulary vocab = Vocabulary.generate(SMALL.vocabSize(), 2);
        Path exact = dir.resolve("exact-" + type + ".gguf");
        Path encoded = dir.resolve("encoded-" + type + ".gguf");
        SyntheticModel.write(exact, SMALL, GGMLType.F32, 2, vocab, ProgressListener.NONE);
        SyntheticModel.write(encoded, SMALL, type, 2, vocab, ProgressListener.NONE);
        try (GGUFFile f32 = GGUFFile.open(exact); GGUFFile q = GGUFFile.open(encoded)) {
            for (GGUFTensorInfo info : q.tensorInfos()) {
                float[] want = f32.tensor(info.name()).toFloatArray();
                float[] got = q.tensor(info.name()).toFloatArray();
                for (int block = 0; block < want.length; block += 32) {
                    double amax = 0;
                    for (int i = block; i < block + 32; i++) {
                        amax = Math.max(amax, Math.abs(want[i]));
                    }
                    for (int i = block; i < block + 32; i++) {
                        // Q8_0: half a step of amax/127 plus the fp16 rounding of the scale; F16: half an ulp.
                        double tolerance = info.type() == GGMLType.Q8_0 ? 0.6 * amax / 127 + 1e-7
                                : info.type() == GGMLType.F16 ? Math.abs(want[i]) / 2048 + 1e-7 : 0;
                        assertEquals(want[i], got[i], tolerance, info.name() + "[" + i + "]");
                    }
                }
            }
        }
    }

    /**
     * Every encoding stores the very values the F32 model holds, row for row: the RMS error relative to
     * the RMS of the values stays within what the format's step size gives for Gaussian data.
     */
    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q4_K", "Q5_K", "Q6_K"})
    void everyEncodingApproximatesTheF32Values(GGMLType type) {
        double bound = switch (type) {
            case F16 -> 0.001;
            case BF16 -> 0.004;
            case Q8_0 -> 0.01;
            case Q6_K -> 0.04;
            case Q5_0, Q5_K -> 0.07;
            default -> 0.13; // 4-bit formats
        };
        Vocabulary vocab = Vocabulary.generate(K_SHAPE.vocabSize(), 2);
        Path exact = dir.resolve("approx-f32.gguf");
        Path encoded = dir.resolve("approx-" + type + ".gguf");
        SyntheticModel.write(exact, K_SHAPE, GGMLType.F32, 2, vocab, ProgressListener.NONE);
        SyntheticModel.write(encoded, K_SHAPE, type, 2, vocab, ProgressListener.NONE);
        try (GGUFFile f32 = GGUFFile.open(exact); GGUFFile q = GGUFFile.open(encoded)) {
            for (GGUFTensorInfo info : q.tensorInfos()) {
                float[] want = f32.tensor(info.name()).toFloatArray();
                float[] got = q.tensor(info.name()).toFloatArray();
                int row = (int) info.shape()[0];
                double tensorError = 0;
                double tensorNorm = 0;
                for (int start = 0; start < want.length; start += row) {
                    double error = 0;
                    double norm = 0;
                    for (int i = start; i < start + row; i++) {
                        error += (got[i] - want[i]) * (double) (got[i] - want[i]);
                        norm += want[i] * (double) want[i];
                    }
                    assertTrue(Math.sqrt(error / norm) < 2 * bound, info.name() + " row " + start / row + ": relative error "
                            + Math.sqrt(error / norm));
                    tensorError += error;
                    tensorNorm += norm;
                }
                double relative = Math.sqrt(tensorError / tensorNorm);
                assertTrue(relative < (info.type() == GGMLType.F32 ? 1e-12 : bound), info.name() + ": relative error " + relative);
            }
        }
    }

    @Test
    void progressIsReportedUpToTheTotal() {
        List<long[]> reports = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        Path out = dir.resolve("progress.gguf");
        SyntheticModel.write(out, SMALL, GGMLType.F16, 1, Vocabulary.generate(SMALL.vocabSize(), 1), (done, total, label) -> {
            reports.add(new long[] {done, total});
            if (labels.isEmpty() || !labels.getLast().equals(label)) {
                labels.add(label);
            }
        });
        try (GGUFFile file = GGUFFile.open(out)) {
            long total = file.tensorInfos().stream().mapToLong(GGUFTensorInfo::byteSize).sum();
            assertEquals(file.tensorInfos().stream().map(GGUFTensorInfo::name).toList(), labels);
            long previous = 0;
            for (long[] r : reports) {
                assertEquals(total, r[1]);
                assertTrue(r[0] > previous, "progress only grows");
                previous = r[0];
            }
            assertEquals(total, previous);
        }
    }

    @Test
    void aCopiedVocabularyDecidesTheVocabularySize() {
        Path source = TestData.tinyLlamaGguf();
        Vocabulary vocab = Vocabulary.copyFrom(source);
        assertEquals(32000, vocab.size());
        Path out = dir.resolve("copied.gguf");
        SyntheticModel.write(out, SMALL, GGMLType.F16, 4, vocab, ProgressListener.NONE);
        try (GGUFFile original = GGUFFile.open(source); GGUFFile file = GGUFFile.open(out)) {
            assertStructure(file, SMALL.withVocabSize(32000), GGMLType.F16);
            for (String key : List.of("tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.scores",
                    "tokenizer.ggml.token_type", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                    "tokenizer.ggml.unknown_token_id")) {
                assertEquals(original.value(key), file.value(key), key);
            }
        }
    }

    // ---- helpers

    /** Names, shapes and types (matrices: unchecked when null) of llama.cpp's llama architecture, and its keys. */
    private static void assertStructure(GGUFFile file, ModelShape s, GGMLType matrixType) {
        int headDim = s.dim() / s.heads();
        Map<String, String> expected = new TreeMap<>();
        expected.put("token_embd.weight", Arrays.toString(new long[] {s.dim(), s.vocabSize()}));
        expected.put("output_norm.weight", Arrays.toString(new long[] {s.dim()}));
        if (!s.tiedEmbeddings()) {
            expected.put("output.weight", Arrays.toString(new long[] {s.dim(), s.vocabSize()}));
        }
        if (s.ropeScaling() != null) {
            expected.put("rope_freqs.weight", Arrays.toString(new long[] {headDim / 2}));
        }
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            expected.put(p + "attn_norm.weight", Arrays.toString(new long[] {s.dim()}));
            expected.put(p + "ffn_norm.weight", Arrays.toString(new long[] {s.dim()}));
            expected.put(p + "attn_q.weight", Arrays.toString(new long[] {s.dim(), s.heads() * headDim}));
            expected.put(p + "attn_k.weight", Arrays.toString(new long[] {s.dim(), s.kvHeads() * headDim}));
            expected.put(p + "attn_v.weight", Arrays.toString(new long[] {s.dim(), s.kvHeads() * headDim}));
            expected.put(p + "attn_output.weight", Arrays.toString(new long[] {s.heads() * headDim, s.dim()}));
            expected.put(p + "ffn_gate.weight", Arrays.toString(new long[] {s.dim(), s.ffn()}));
            expected.put(p + "ffn_up.weight", Arrays.toString(new long[] {s.dim(), s.ffn()}));
            expected.put(p + "ffn_down.weight", Arrays.toString(new long[] {s.ffn(), s.dim()}));
        }
        Map<String, String> actual = new TreeMap<>();
        for (GGUFTensorInfo info : file.tensorInfos()) {
            actual.put(info.name(), Arrays.toString(info.shape()));
            boolean vector = info.name().endsWith("norm.weight") || info.name().equals("rope_freqs.weight");
            if (vector || matrixType != null) {
                assertEquals(vector ? GGMLType.F32 : matrixType, info.type(), info.name());
            }
        }
        assertEquals(expected, actual);

        assertEquals("llama", file.getString("general.architecture"));
        assertTrue(file.getString("general.name").contains("synthetic"));
        Map<String, GGUFValue> keys = Map.ofEntries(
                Map.entry("llama.context_length", GGUFValue.ofUInt32(s.contextLength())),
                Map.entry("llama.embedding_length", GGUFValue.ofUInt32(s.dim())),
                Map.entry("llama.block_count", GGUFValue.ofUInt32(s.layers())),
                Map.entry("llama.feed_forward_length", GGUFValue.ofUInt32(s.ffn())),
                Map.entry("llama.attention.head_count", GGUFValue.ofUInt32(s.heads())),
                Map.entry("llama.attention.head_count_kv", GGUFValue.ofUInt32(s.kvHeads())),
                Map.entry("llama.rope.freq_base", GGUFValue.ofFloat32(s.ropeBase())),
                Map.entry("llama.attention.layer_norm_rms_epsilon", GGUFValue.ofFloat32(s.rmsEps())),
                Map.entry("llama.rope.dimension_count", GGUFValue.ofUInt32(headDim)),
                Map.entry("llama.vocab_size", GGUFValue.ofUInt32(s.vocabSize())),
                Map.entry("tokenizer.ggml.model", GGUFValue.of("llama")),
                Map.entry("tokenizer.ggml.add_bos_token", GGUFValue.ofBool(true)),
                Map.entry("tokenizer.ggml.add_eos_token", GGUFValue.ofBool(false)));
        keys.forEach((key, value) -> assertEquals(value, file.value(key), key));
        assertEquals(s.vocabSize(), ((String[]) file.getArray("tokenizer.ggml.tokens", GGUFValueType.STRING)).length);
        assertNotEquals(0, file.getLong("tokenizer.ggml.eos_token_id"));
    }

    /** The rope factors as llama.cpp's convert_hf_to_gguf.py computes them for "llama3" scaling. */
    private static double[] converterRopeFactors(int headDim, double base, double factor, double low, double high, int oldContext) {
        double[] out = new double[headDim / 2];
        for (int i = 0; i < out.length; i++) {
            double freq = 1 / Math.pow(base, 2.0 * i / headDim);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < oldContext / high) {
                out[i] = 1;
            } else if (wavelen > oldContext / low) {
                out[i] = factor;
            } else {
                double smooth = (oldContext / wavelen - low) / (high - low);
                out[i] = 1 / ((1 - smooth) / factor + smooth);
            }
        }
        return out;
    }

    private static double[] meanAndStd(float[] w) {
        double sum = 0;
        for (float x : w) {
            sum += x;
        }
        double mean = sum / w.length;
        double squares = 0;
        for (float x : w) {
            squares += (x - mean) * (x - mean);
        }
        return new double[] {mean, Math.sqrt(squares / w.length)};
    }

    /** Pearson correlation of the first two rows of length {@code n} starting at {@code offset}. */
    private static double correlation(float[] w, int offset, int n) {
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = w[offset + i];
            b[i] = w[offset + n + i];
        }
        double ma = Arrays.stream(a).average().orElseThrow();
        double mb = Arrays.stream(b).average().orElseThrow();
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < n; i++) {
            ab += (a[i] - ma) * (b[i] - mb);
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i] - mb) * (b[i] - mb);
        }
        return ab / Math.sqrt(aa * bb);
    }

    private static void assertMessage(Runnable action, String... parts) {
        IgnisException e = assertThrows(IgnisException.class, action::run);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message lacks '" + part + "': " + e.getMessage());
        }
    }
}
