package ignis.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ignis.TestData;
import ignis.gguf.GGUFFile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** decode inverts encode, and streaming decoding gives decode's text, on the Llama 2 vocabulary. */
class RoundTripTest {
    private static GGUFFile file;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        file = GGUFFile.open(TestData.tinyLlamaGguf());
        tokenizer = Tokenizer.fromGGUF(file);
    }

    @AfterAll
    static void close() {
        if (file != null) {
            file.close();
        }
    }

    @Test
    void decodeGivesTheTextBack() {
        RandomText random = new RandomText(11L, false);
        for (int i = 0; i < 3000; i++) {
            String text = random.next(15);
            // U+2581 is how the vocabulary writes a space, so it comes back as one (as in llama.cpp).
            String expected = text.replace('\u2581', ' ');
            assertEquals(expected, tokenizer.decode(tokenizer.encode(text, false, false)));
            // With BOS first, the space the encoder put before the text is no longer the first piece and stays.
            String afterBos = text.isEmpty() ? "" : " " + expected;
            assertEquals(afterBos, tokenizer.decode(tokenizer.encode(text, true, false)));
        }
    }

    @Test
    void unpairedSurrogatesBecomeQuestionMarks() {
        assertEquals("a?b?", tokenizer.decode(tokenizer.encode("a\uD800b\uDFFF", false, false)));
    }

    private static String streamed(StreamingDecoder decoder, int[] tokens) {
        StringBuilder sb = new StringBuilder();
        for (int token : tokens) {
            sb.append(decoder.feed(token));
        }
        return sb.append(decoder.flush()).toString();
    }

    @Test
    void streamingDecodingOfTextTokensGivesTheText() {
        RandomText random = new RandomText(12L, false);
        for (int i = 0; i < 2000; i++) {
            String text = random.next(15);
            int[] tokens = tokenizer.encode(text, true, true);
            StreamingDecoder decoder = new StreamingDecoder(tokenizer);
            StringBuilder sb = new StringBuilder();
            for (int token : tokens) {
                String chunk = decoder.feed(token);
                // A character spelled by byte tokens is never cut: no chunk holds a replacement character
                // that the text does not.
                if (!text.contains("\uFFFD")) {
                    assertEquals(-1, chunk.indexOf('\uFFFD'), () -> "chunk of " + text);
                }
                sb.append(chunk);
            }
            assertEquals("", decoder.flush());
            assertEquals(tokenizer.decode(tokens), sb.toString());
        }
    }

    /** Arbitrary token sequences, including lone and misordered byte tokens that are not UTF-8. */
    @Test
    void streamingDecodingOfAnyTokensGivesDecodesText() {
        Random random = new Random(13L);
        int bytesStart = 3;
        for (int i = 0; i < 20000; i++) {
            int[] tokens = IntStream.range(0, random.nextInt(16)).map(k -> switch (random.nextInt(5)) {
                case 0 -> bytesStart + 0x80 + random.nextInt(0x40); // continuation bytes <0x80>..<0xBF>
                case 1 -> bytesStart + 0xC0 + random.nextInt(0x40); // lead bytes (and invalid ones) <0xC0>..<0xFF>
                case 2 -> bytesStart + random.nextInt(0x80);
                default -> random.nextInt(tokenizer.vocabularySize());
            }).toArray();
            assertEquals(tokenizer.decode(tokens), streamed(new StreamingDecoder(tokenizer), tokens),
                    () -> Arrays.toString(tokens));

            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (int token : tokens) {
                bytes.writeBytes(tokenizer.tokenBytes(token));
            }
            assertEquals(bytes.toString(StandardCharsets.UTF_8), streamed(StreamingDecoder.continuing(tokenizer), tokens));
        }
    }

    @Test
    void continuingKeepsTheLeadingSpaceOfAReply() {
        int[] world = tokenizer.encode("Hello world", false, false); // ▁Hello ▁world
        StreamingDecoder reply = StreamingDecoder.continuing(tokenizer);
        assertEquals(" world", reply.feed(world[1]));
        StreamingDecoder whole = new StreamingDecoder(tokenizer);
        assertEquals("Hello", whole.feed(world[0]));
        assertEquals(" world", whole.feed(world[1]));
    }

    @Test
    void encodingLongTextIsFast() {
        RandomText random = new RandomText(14L, true);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 200_000) {
            sb.append(random.next(50));
        }
        String text = sb.toString();
        // Linear-ish work takes well under a second; a quadratic merge loop would take minutes.
        int[] tokens = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> tokenizer.encode(text, false, false));
        String asUtf8 = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        assertEquals(asUtf8.replace('\u2581', ' '), tokenizer.decode(tokens));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> tokenizer.encode(text));
    }
}
