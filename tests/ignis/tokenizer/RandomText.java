package ignis.tokenizer;

import java.util.List;
import java.util.Random;

/** Seeded random text that stresses a tokenizer: scripts, whitespace runs, emoji, rare code points, special token text. */
final class RandomText {
    private static final List<String> WORDS = List.of("the", "Hello", "world", "tokenizer", "llama", "cpp", "a", "I",
            "don't", "you're", "x", "ab", "QQ", "naïve", "Äpfel", "привет", "мир", "こんにちは", "世界", "كتاب", "🦙");
    private static final List<String> SPECIAL_TEXTS = List.of("<s>", "</s>", "<unk>", "<s", "s>", "</", "<0x41>",
            "<0x0A>", "\u2581", "\u2581\u2581", "[EMPTY_0]", "<<s>>", "</s></s>", "<s> ");
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private final Random random;
    private final boolean loneSurrogates;

    /** {@code loneSurrogates}: whether unpaired UTF-16 surrogates may appear (they are not text). */
    RandomText(long seed, boolean loneSurrogates) {
        this.random = new Random(seed);
        this.loneSurrogates = loneSurrogates;
    }

    /** A string of up to {@code maxParts} random parts. */
    String next(int maxParts) {
        StringBuilder sb = new StringBuilder();
        int parts = random.nextInt(maxParts + 1);
        for (int i = 0; i < parts; i++) {
            appendPart(sb);
        }
        return sb.toString();
    }

    private void appendPart(StringBuilder sb) {
        switch (random.nextInt(13)) {
            case 0, 1 -> sb.append(pick(WORDS));
            case 2 -> sb.append(" ".repeat(1 + random.nextInt(6)));
            case 3 -> sb.append(pick(List.of("\n", "\t", "\r\n", "\n\n", " \n", "\t\t", "\u000B", "\f")));
            case 4 -> sb.appendCodePoint(0x00C0 + random.nextInt(0x0180 - 0x00C0)); // accented Latin
            case 5 -> sb.appendCodePoint(0x4E00 + random.nextInt(0x9FFF - 0x4E00)); // CJK
            case 6 -> appendEmoji(sb);
            case 7 -> sb.appendCodePoint(rareCodePoint());
            case 8 -> appendDigits(sb);
            case 9 -> sb.append(pick(SPECIAL_TEXTS));
            case 10 -> sb.append(PUNCTUATION.charAt(random.nextInt(PUNCTUATION.length())));
            case 11 -> sb.append((char) ('a' + random.nextInt(26))).append((char) ('A' + random.nextInt(26)));
            default -> {
                if (loneSurrogates && random.nextInt(4) == 0) {
                    sb.append((char) (0xD800 + random.nextInt(0x800)));
                } else {
                    sb.append(" ").append(pick(WORDS));
                }
            }
        }
    }

    private void appendEmoji(StringBuilder sb) {
        sb.appendCodePoint(0x1F300 + random.nextInt(0x1FAFF - 0x1F300));
        switch (random.nextInt(4)) {
            case 0 -> sb.append('\uFE0F'); // variation selector
            case 1 -> sb.append('\u200D').appendCodePoint(0x1F300 + random.nextInt(0x400)); // ZWJ sequence
            default -> {
            }
        }
    }

    private void appendDigits(StringBuilder sb) {
        int n = 1 + random.nextInt(12);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('0' + random.nextInt(10)));
        }
        if (random.nextBoolean()) {
            sb.append(pick(List.of(".", "..", ",", " ")));
        }
    }

    // Any scalar value: control characters, private use, unassigned and supplementary planes.
    private int rareCodePoint() {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextInt(0x20); // C0 controls, NUL included
            case 1 -> 0x80 + random.nextInt(0x800 - 0x80);
            case 2 -> {
                int cp = 0x800 + random.nextInt(0x10000 - 0x800);
                yield Character.isSurrogate((char) cp) ? 0xE000 + (cp & 0xFFF) : cp;
            }
            default -> 0x10000 + random.nextInt(0x110000 - 0x10000);
        };
    }

    private String pick(List<String> options) {
        return options.get(random.nextInt(options.size()));
    }
}
