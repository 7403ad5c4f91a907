package ignis.cli;

import ignis.IgnisException;
import ignis.gguf.GGUFFile;
import ignis.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the token ids of a text, as llama.cpp's {@code llama-tokenize --ids}. */
@Command(name = "tokenize",
        description = "Print the token ids of a text under a model's vocabulary (special token text is parsed).")
public final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "GGUF model file")
    Path model;

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "text to tokenize")
    String text;

    @Option(names = "--no-bos", description = "do not add the tokens the vocabulary puts around a prompt (BOS)")
    boolean noBos;

    @Option(names = "--json", description = "print a JSON array instead of space-separated ids")
    boolean json;

    @Override
    public Integer call() {
        int[] ids;
        try (GGUFFile file = GGUFFile.open(model)) {
            ids = Tokenizer.fromGGUF(file).encode(text, !noBos, true);
        } catch (IgnisException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
        String separator = json ? "," : " ";
        String list = Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(separator));
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? "[" + list + "]" : list);
        out.flush();
        return 0;
    }
}
