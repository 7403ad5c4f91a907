package ignis.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.TestData;
import ignis.cli.TokenizeCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code tokenize} command prints ids as llama.cpp's llama-tokenize would (vectors: "Hello world" is 15043 3186). */
class TokenizeCommandTest {
    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new TokenizeCommand())
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err))
                .execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void printsIdsWithBos() {
        String model = TestData.tinyLlamaGguf().toString();
        assertEquals(new Run(0, "1 15043 3186\n", ""), run("--model", model, "--text", "Hello world"));
        assertEquals(new Run(0, "15043 3186\n", ""), run("--model", model, "--text", "Hello world", "--no-bos"));
        assertEquals(new Run(0, "[1,15043,3186]\n", ""), run("--model", model, "--text", "Hello world", "--json"));
        assertEquals(new Run(0, "[]\n", ""), run("--model", model, "--text", "", "--json", "--no-bos"));
        // Special token text is parsed, as llama-tokenize does by default.
        assertEquals(new Run(0, "1 1 15043\n", ""), run("--model", model, "--text", "<s>Hello"));
    }

    @Test
    void reportsUnsupportedVocabularies() throws IOException {
        Path path = SyntheticVocabularyTest.vocabulary(g -> g.string("tokenizer.ggml.model", "gpt2"))
                .write(dir.resolve("gpt2.gguf"));
        Run result = run("--model", path.toString(), "--text", "hi");
        assertEquals(1, result.exitCode());
        assertEquals("", result.out());
        assertTrue(result.err().contains("'gpt2'") && result.err().contains(path.toString()), result.err());
    }
}
