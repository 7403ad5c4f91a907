package ignis.cli;

import ignis.backend.ExecutorOptions;
import ignis.runtime.Engine;
import ignis.runtime.EngineOptions;
import ignis.runtime.GenerationParams;
import ignis.runtime.GenerationResult;
import ignis.runtime.TokenListener;
import ignis.runtime.sampling.SamplingParams;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ignis generate}: prints only the generated text to stdout (or one JSON object with --json). */
@Command(name = "generate", description = "Generate text after a prompt.")
public final class GenerateCommand implements Callable<Integer> {
    private static final SamplingParams D = SamplingParams.DEFAULTS;

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file")
    Path model;

    @Option(names = {"-p", "--prompt"}, required = true, description = "prompt text")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "tokens to generate at most (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", description = "0 = greedy (default " + "0.8" + ")")
    Float temperature;

    @Option(names = "--top-k", description = "keep the k most likely tokens, <= 0 disables (default 40)")
    Integer topK;

    @Option(names = "--top-p", description = "nucleus sampling threshold, 1 disables (default 0.95)")
    Float topP;

    @Option(names = "--min-p", description = "drop tokens below min-p times the top probability, 0 disables (default 0.05)")
    Float minP;

    @Option(names = "--repeat-penalty", description = "penalty on recent tokens, 1 disables (default 1.0)")
    Float repeatPenalty;

    @Option(names = "--repeat-last-n", description = "tokens the penalties look back on (default 64)")
    Integer repeatLastN;

    @Option(names = "--frequency-penalty", description = "default 0")
    Float frequencyPenalty;

    @Option(names = "--presence-penalty", description = "default 0")
    Float presencePenalty;

    @Option(names = "--seed", description = "random seed for sampling (default: random)")
    Long seed;

    @Option(names = "--stop", description = "stop when the text reaches this string (repeatable)")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "keep generating past end-of-generation tokens")
    boolean ignoreEos;

    @Option(names = {"-t", "--threads"}, description = "compute threads (default: all cores)")
    Integer threads;

    @Option(names = {"-c", "--ctx-size"}, defaultValue = "0", description = "context length (default: min(model, 4096))")
    int contextLength;

    @Mixin
    BackendOptions where = new BackendOptions();

    @Option(names = "--json", description = "print one JSON object with tokens, text and timings")
    boolean json;

    @Override
    public Integer call() {
        EngineOptions options = EngineOptions.defaults().withBackend(where.backendName()).withContextLength(contextLength)
                .withThreads(threads != null ? threads : ExecutorOptions.defaultThreads()).withGpuLayers(where.gpuLayers);
        ProgressBar bar = new ProgressBar("loading " + model.getFileName(), true);
        try (Engine engine = Engine.load(model, options, (done, total) -> bar.update(done, total, "block " + done + "/" + total))) {
            bar.finish();
            GenerationParams params = new GenerationParams(maxTokens, sampling(), stop, ignoreEos);
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            TokenListener listener = json ? TokenListener.NONE : (token, text) -> out.print(text);
            GenerationResult r = engine.generate(prompt, params, listener);
            if (json) {
                out.println(Json.write(toJson(r)));
            } else {
                out.println();
                System.err.printf("ignis: %d prompt tokens in %.1f ms (%.1f tok/s), %d generated in %.1f ms (%.2f tok/s), stop: %s%n",
                        r.promptTokens(), r.prefillMillis(), r.prefillTokensPerSecond(), r.tokens().length, r.decodeMillis(),
                        r.decodeTokensPerSecond(), r.stopReason().name().toLowerCase());
            }
        }
        return 0;
    }

    private SamplingParams sampling() {
        return D.withTemperature(temperature != null ? temperature : D.temperature())
                .withTopK(topK != null ? topK : D.topK())
                .withTopP(topP != null ? topP : D.topP())
                .withMinP(minP != null ? minP : D.minP())
                .withRepeatPenalty(repeatPenalty != null ? repeatPenalty : D.repeatPenalty())
                .withRepeatLastN(repeatLastN != null ? repeatLastN : D.repeatLastN())
                .withFrequencyPenalty(frequencyPenalty != null ? frequencyPenalty : D.frequencyPenalty())
                .withPresencePenalty(presencePenalty != null ? presencePenalty : D.presencePenalty())
                .withSeed(seed != null ? seed : System.nanoTime());
    }

    static Map<String, Object> toJson(GenerationResult r) {
        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("prefill_ms", r.prefillMillis());
        timings.put("decode_ms", r.decodeMillis());
        timings.put("prefill_tokens_per_second", r.prefillTokensPerSecond());
        timings.put("decode_tokens_per_second", r.decodeTokensPerSecond());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompt_tokens", r.promptTokens());
        m.put("tokens", r.tokens());
        m.put("text", r.text());
        m.put("stop_reason", r.stopReason().name().toLowerCase());
        m.put("timings", timings);
        return m;
    }
}
