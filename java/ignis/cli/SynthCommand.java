package ignis.cli;

import ignis.IgnisException;
import ignis.model.synth.ModelShape;
import ignis.model.synth.SyntheticModel;
import ignis.model.synth.TypeRecipe;
import ignis.model.synth.Vocabulary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ignis synth}: writes a llama GGUF with seeded random weights, for tests and benchmarks. */
@Command(name = "synth",
        description = "Writes a llama-architecture GGUF with seeded random weights that llama.cpp and Ignis load.")
public final class SynthCommand implements Callable<Integer> {

    @Option(names = "--shape", paramLabel = "NAME", defaultValue = "tiny",
            description = "Base shape: tiny, 110m, llama3.2-1b, llama3-8b (default: ${DEFAULT-VALUE}); "
                    + "the options below override its fields.")
    String shapeName;

    @Option(names = "--dim", description = "Embedding width.")
    Integer dim;

    @Option(names = "--layers", description = "Number of transformer blocks.")
    Integer layers;

    @Option(names = "--heads", description = "Attention heads.")
    Integer heads;

    @Option(names = "--kv-heads", description = "Key/value heads (grouped-query attention).")
    Integer kvHeads;

    @Option(names = "--ffn", description = "Feed-forward width.")
    Integer ffn;

    @Option(names = "--vocab", description = "Vocabulary size of the generated vocabulary (ignored with --vocab-from).")
    Integer vocab;

    @Option(names = "--context", description = "Context length.")
    Integer context;

    @Option(names = "--type", paramLabel = "T", defaultValue = "F16",
            description = "Weight type: F32, F16, Q8_0, ... or Q4_K_M (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--vocab-from", paramLabel = "FILE.gguf", description = "Copy the tokenizer of this GGUF.")
    Path vocabFrom;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "The GGUF to write.")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            ModelShape shape = shape();
            TypeRecipe types = TypeRecipe.parse(type);
            Vocabulary vocabulary = vocabFrom != null ? Vocabulary.copyFrom(vocabFrom) : Vocabulary.generate(shape.vocabSize(), seed);
            ModelShape actual = shape.withVocabSize(vocabulary.size());
            err.printf("synth: %s, %s, %,d parameters, seed %d -> %s%n", actual.describe(), types, actual.parameterCount(), seed, output);
            ProgressBar bar = new ProgressBar(err, "writing " + output.getFileName(), true);
            SyntheticModel.write(output, actual, types, seed, vocabulary, bar::update);
            bar.finish();
            return 0;
        } catch (IgnisException e) {
            err.println();
            err.println("synth: " + e.getMessage());
            return 1;
        }
    }

    /** The named base shape with the explicitly given fields replaced. */
    ModelShape shape() {
        ModelShape b = ModelShape.named(shapeName);
        return new ModelShape(or(dim, b.dim()), or(layers, b.layers()), or(heads, b.heads()), or(kvHeads, b.kvHeads()),
                or(ffn, b.ffn()), or(vocab, b.vocabSize()), or(context, b.contextLength()), b.ropeBase(), b.rmsEps(),
                b.tiedEmbeddings(), b.ropeScaling());
    }

    private static int or(Integer given, int fallback) {
        return given != null ? given : fallback;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SynthCommand()).execute(args));
    }
}
