package ignis.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ignis.TestData;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Greedy decoding of the third-party Llama 2 GGUF equals llama.cpp's, logits bit for bit. */
class SharedModelGreedyTest {

    @Test
    void greedy64TokensAndLogitsEqualLlamaCpp() {
        Path gguf = TestData.tinyLlamaGguf();
        try (LlamaCpp peer = new LlamaCpp(gguf, 256)) {
            for (String prompt : new String[] {"Once upon a time", "The capital of France is", "1 2 3 4 5"}) {
                int[] tokens = IntStream.concat(IntStream.of(1), IntStream.of(peer.encode(prompt))).toArray();
                GreedyMatch.Outcome o = GreedyMatch.assertGreedyMatches(gguf, tokens, 64, 0.0, 1e-3f);
                assertEquals(64, o.steps(), prompt + ": " + o);
                System.out.println(prompt + ": " + o);
            }
        }
    }
}
