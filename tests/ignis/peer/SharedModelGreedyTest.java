package ignis.peer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.TestData;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Greedy decoding of the third-party Llama 2 GGUF equals llama.cpp's. */
class SharedModelGreedyTest {

    @Test
    void greedy64TokensEqualLlamaCpp() {
        Path gguf = TestData.tinyLlamaGguf();
        try (LlamaCpp peer = new LlamaCpp(gguf, 256)) {
            for (String prompt : new String[] {"Once upon a time", "The capital of France is", "1 2 3 4 5"}) {
                int[] body = peer.encode(prompt);
                int[] tokens = IntStream.concat(IntStream.of(1), IntStream.of(body)).toArray();
                GreedyMatch.Outcome o = GreedyMatch.assertGreedyMatches(gguf, peer, tokens, prompt, 64, 1e-4f);
                assertTrue(o.identical() || o.divergedAt() >= 0);
                System.out.println(prompt + ": " + o);
            }
        }
    }
}
