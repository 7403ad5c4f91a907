package ignis.model.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.cli.SynthCommand;
import ignis.gguf.GGUFFile;
import ignis.tensor.GGMLType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SynthCommandTest {
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new SynthCommand());
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void writesTheRequestedShapeWithAProgressBar() {
        Path out = dir.resolve("cli.gguf");
        int code = run("--shape", "tiny", "--dim", "64", "--layers", "1", "--heads", "4", "--kv-heads", "2", "--ffn", "96",
                "--vocab", "300", "--context", "128", "--type", "q8_0", "--seed", "3", "--output", out.toString());
        assertEquals(0, code, err.toString());
        assertTrue(err.toString().contains("100%"), err.toString());
        try (GGUFFile file = GGUFFile.open(out)) {
            assertArrayEquals(new long[] {64, 300}, file.tensorInfos().getFirst().shape());
            assertEquals(GGMLType.Q8_0, file.tensorInfos().getFirst().type());
            assertEquals(1, file.getLong("llama.block_count"));
            assertEquals(2, file.getLong("llama.attention.head_count_kv"));
            assertEquals(128, file.getLong("llama.context_length"));
            assertEquals(3, file.getLong("ignis.synthetic.seed"));
        }
    }

    @Test
    void badRequestsFailWithAMessageAndNoFile() {
        Path out = dir.resolve("bad.gguf");
        assertEquals(1, run("--dim", "48", "--heads", "4", "--kv-heads", "2", "--vocab", "300", "--type", "q8_0", "-o", out.toString()));
        assertTrue(err.toString().contains("block size"), err.toString());
        assertEquals(1, run("--shape", "huge", "-o", out.toString()));
        assertTrue(err.toString().contains("unknown model shape 'huge'"), err.toString());
        assertFalse(Files.exists(out));
    }
}
