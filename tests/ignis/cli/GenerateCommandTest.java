package ignis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.gguf.GGUFFile;
import ignis.gguf.GGUFValue;
import ignis.gguf.GGUFWriter;
import ignis.model.SyntheticModels;
import ignis.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generate and inspect commands as a user runs them: stdout, stderr, exit codes. */
class GenerateCommandTest {

    /** Exit code, stdout and stderr of one CLI run. */
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static String model() {
        return SyntheticModels.get(SyntheticModels.TEST_SHAPE, "Q8_0", 7).toString();
    }

    @Test
    void jsonOutputHasTokensTextAndTimings() {
        Run r = run("generate", "--model", model(), "--prompt", "Hello", "--max-tokens", "8", "--temperature", "0",
                "--ignore-eos", "--threads", "2", "--json");
        assertEquals(0, r.exit(), r.err());
        String json = r.out().trim();
        assertTrue(json.startsWith("{\"prompt_tokens\":") && json.endsWith("}"), json);
        for (String key : new String[] {"\"tokens\":[", "\"text\":", "\"stop_reason\":\"length\"", "\"prefill_ms\":", "\"decode_ms\":",
            "\"decode_tokens_per_second\":"}) {
            assertTrue(json.contains(key), key + " missing from " + json);
        }
        assertEquals(8, json.substring(json.indexOf("\"tokens\":[") + 10, json.indexOf(']')).split(",").length);
    }

    @Test
    void plainOutputIsOnlyTheGeneratedText() {
        Run json = run("generate", "-m", model(), "-p", "Hello", "-n", "6", "--temperature", "0", "--ignore-eos", "--json");
        Run plain = run("generate", "-m", model(), "-p", "Hello", "-n", "6", "--temperature", "0", "--ignore-eos");
        assertEquals(0, plain.exit(), plain.err());
        String text = json.out().substring(json.out().indexOf("\"text\":\"") + 8, json.out().indexOf("\",\"stop_reason\""));
        assertEquals(text.replace("\\\"", "\"").replace("\\\\", "\\").replace("\\n", "\n").replace("\\t", "\t"),
                plain.out().substring(0, plain.out().length() - System.lineSeparator().length()));
        assertTrue(plain.err().contains("tok/s"), "timings go to stderr: " + plain.err());
    }

    @Test
    void maxTokensZeroPrintsNothingAndSucceeds() {
        Run r = run("generate", "-m", model(), "-p", "Hello", "--max-tokens", "0");
        assertEquals(0, r.exit(), r.err());
        assertEquals(System.lineSeparator(), r.out());
    }

    @Test
    void missingModelFileIsAClearError() {
        Run r = run("generate", "-m", "/no/such/model.gguf", "-p", "Hello");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("/no/such/model.gguf: no such file"), r.err());
    }

    @Test
    void promptLongerThanTheContextIsAClearError() {
        Run r = run("generate", "-m", model(), "-p", "word ".repeat(100), "--ctx-size", "16");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("more than the context length 16"), r.err());
    }

    @Test
    void unsupportedArchitectureIsNamed(@TempDir Path dir) {
        Path gpt2 = dir.resolve("gpt2.gguf");
        try (GGUFFile source = GGUFFile.open(Path.of(model()))) {
            GGUFWriter w = new GGUFWriter().putAll(source).put("general.architecture", GGUFValue.of("gpt2"));
            for (var info : source.tensorInfos()) {
                Tensor t = source.tensor(info.name());
                w.addTensor(t);
            }
            w.write(gpt2);
        }
        Run r = run("generate", "-m", gpt2.toString(), "-p", "Hello");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("unsupported architecture 'gpt2'"), r.err());
    }

    @Test
    void inspectListsMetadataAndTensors() {
        Run r = run("inspect", model());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("general.architecture") && r.out().contains("blk.1.ffn_down.weight"), r.out());
        Run json = run("inspect", model(), "--json");
        assertTrue(json.out().startsWith("{\"file\":") && json.out().contains("\"tensors\":["), json.out());
    }

    @Test
    void badUsageExitsWithTwo() {
        assertEquals(2, run("generate", "--prompt", "no model").exit());
        assertEquals(2, run("no-such-command").exit());
    }

    /** The OpenCL backend from the command line (PoCL here); a wrong backend name is an error naming it. */
    @Test
    void generatesOnTheOpenClBackendAndRejectsUnknownBackends() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ignis.backend.opencl.OpenClDiscovery.discover().available(), "no OpenCL device");
        Run r = run("generate", "--model", model(), "--prompt", "Hello", "--max-tokens", "6", "--temperature", "0",
                "--ignore-eos", "--backend", "opencl", "--device", "0", "--json");
        assertEquals(0, r.exit(), r.err());
        assertEquals(6, r.out().substring(r.out().indexOf("\"tokens\":[") + 10, r.out().indexOf(']')).split(",").length, r.out());
        Run bad = run("generate", "--model", model(), "--prompt", "Hello", "--backend", "metal");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("unknown backend 'metal'"), bad.err());
    }
}
