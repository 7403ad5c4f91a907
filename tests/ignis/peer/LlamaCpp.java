package ignis.peer;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.args.LogFormat;
import de.kherud.llama.ModelParameters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** llama.cpp (de.kherud:llama, in a jar) as the reference peer: greedy generation and tokenization. */
public final class LlamaCpp implements AutoCloseable {
    static {
        LlamaModel.setLogger(LogFormat.TEXT, (level, message) -> { });
    }

    private final LlamaModel model;

    public LlamaCpp(Path gguf, int contextLength) {
        this.model = new LlamaModel(new ModelParameters().setModel(gguf.toString()).setThreads(2)
                .setCtxSize(contextLength).setSeed(1));
    }

    /** Token ids of {@code text} without BOS, special tokens parsed (llama.cpp server's tokenize). */
    public int[] encode(String text) {
        return model.encode(text);
    }

    public String decode(int[] tokens) {
        return model.decode(tokens);
    }

    /** The pieces llama.cpp streams for a greedy generation of {@code n} tokens (EOS ignored, no penalties). */
    public List<String> greedy(String prompt, int n) {
        InferenceParameters p = new InferenceParameters(prompt).setTemperature(0f).setNPredict(n).setIgnoreEos(true)
                .setRepeatPenalty(1f).setCachePrompt(false).setSeed(1);
        List<String> pieces = new ArrayList<>();
        for (LlamaOutput o : model.generate(p)) {
            pieces.add(o.text);
        }
        // The stream ends with an empty message that marks the stop, not a token.
        if (pieces.size() == n + 1 && pieces.get(n).isEmpty()) {
            pieces.remove(n);
        }
        return pieces;
    }

    @Override
    public void close() {
        model.close();
    }
}
