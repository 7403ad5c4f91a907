package ignis.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;
import ignis.TestData;
import ignis.gguf.GGUFFile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Differential tests against llama.cpp itself (de.kherud:llama). Its {@code LlamaModel.encode}
 * tokenizes with add_special = false, parse_special = true (the server's tokenize_mixed).
 */
class PeerDifferentialTest {
    private static GGUFFile file;
    private static Tokenizer tokenizer;
    private static LlamaModel peer;

    @BeforeAll
    static void load() {
        String path = TestData.tinyLlamaGguf().toString();
        file = GGUFFile.open(TestData.tinyLlamaGguf());
        tokenizer = Tokenizer.fromGGUF(file);
        LlamaModel.setLogger(LogFormat.TEXT, (level, message) -> { });
        peer = new LlamaModel(new ModelParameters().setModel(path).setThreads(1));
    }

    @AfterAll
    static void close() {
        if (peer != null) {
            peer.close();
        }
        if (file != null) {
            file.close();
        }
    }

    private static void compare(List<String> texts) {
        List<String> failures = new ArrayList<>();
        for (String text : texts) {
            int[] expected = peer.encode(text);
            int[] actual = tokenizer.encode(text, false, true);
            if (!Arrays.equals(expected, actual) && failures.size() < 10) {
                failures.add(escape(text) + ": llama.cpp " + Arrays.toString(expected) + ", ours " + Arrays.toString(actual));
            }
        }
        assertEquals(List.of(), failures);
    }

    private static String escape(String text) {
        StringBuilder sb = new StringBuilder("\"");
        text.codePoints().forEach(cp -> sb.append(cp < 0x20 || cp == 0x7F || Character.isSurrogate((char) cp)
                ? String.format("\\u%04X", cp) : Character.toString(cp)));
        return sb.append('"').toString();
    }

    @Test
    void randomShortTextsMatchLlamaCpp() {
        RandomText random = new RandomText(20240601L, true);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 12000; i++) {
            texts.add(random.next(12));
        }
        compare(texts);
    }

    @Test
    void randomLongTextsMatchLlamaCpp() {
        RandomText random = new RandomText(77L, true);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add(random.next(800));
        }
        compare(texts);
    }

    @Test
    void specialTokenTextAndEdgeCasesMatchLlamaCpp() {
        compare(List.of("", " ", "<s>", "</s>", "<unk>", "<s><s>", "a<s>b", "<s> a", "a </s>", "</s>\n", "<s", "s>",
                "<<s>>", "<0x41>", "\u2581", "\u2581Hello", "\u0000", "a\u0000b", "\uD83E\uDD99\uD83E\uDD99",
                "\uD800", "\uDC00x", "x\uD83E", "\t\n\r\u000B\f", " ".repeat(40), "3".repeat(50), "\uFEFFBOM"));
    }

    /** Every normal and ASCII byte token shows the same text in llama.cpp (whose decode shows pieces). */
    @Test
    void tokenPiecesMatchLlamaCpp() {
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (int id = 0; id < tokenizer.vocabularySize(); id++) {
            byte[] bytes = tokenizer.tokenBytes(id);
            boolean comparable = bytes.length > 1 || (bytes.length == 1 && bytes[0] >= 0);
            if (!comparable) {
                continue; // control tokens (llama.cpp's decode shows them) and lone bytes >= 0x80
            }
            compared++;
            String expected = peer.decode(new int[] {id});
            String actual = new String(bytes, StandardCharsets.UTF_8);
            if (!expected.equals(actual) && failures.size() < 10) {
                failures.add(id + ": llama.cpp '" + expected + "', ours '" + actual + "'");
            }
        }
        assertEquals(List.of(), failures);
        assertEquals(32000 - 3 - 128, compared, "all but the 3 control/unknown tokens and 128 high byte tokens");
    }
}
