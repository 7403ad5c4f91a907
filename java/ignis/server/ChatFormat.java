package ignis.server;

import java.util.List;
import java.util.Locale;

/**
 * The prompt layouts of the common chat model families, written from each family's published
 * format. Every layout ends with the cue for the assistant's next turn. None starts with the BOS
 * token: the prompt is tokenized with the vocabulary's own BOS added, and a second one written here
 * would double it. Later {@code <s>}/{@code </s>} are written as text and parsed as special tokens.
 */
enum ChatFormat {
    /** ChatML (Qwen, many fine-tunes): {@code <|im_start|>role\ncontent<|im_end|>\n}. */
    CHATML {
        @Override
        String render(List<ChatMessage> messages) {
            StringBuilder sb = new StringBuilder();
            for (ChatMessage m : messages) {
                sb.append("<|im_start|>").append(m.role().apiName()).append('\n').append(m.content()).append("<|im_end|>\n");
            }
            return sb.append("<|im_start|>assistant\n").toString();
        }
    },
    /** Llama 3: header-delimited turns ending in {@code <|eot_id|>}, contents trimmed as Meta's template does. */
    LLAMA3 {
        @Override
        String render(List<ChatMessage> messages) {
            StringBuilder sb = new StringBuilder();
            for (ChatMessage m : messages) {
                header(sb, m.role().apiName()).append(m.content().strip()).append("<|eot_id|>");
            }
            return header(sb, "assistant").toString();
        }

        private StringBuilder header(StringBuilder sb, String role) {
            return sb.append("<|start_header_id|>").append(role).append("<|end_header_id|>\n\n");
        }
    },
    /**
     * Llama 2 chat: {@code [INST] <<SYS>>\nsystem\n<</SYS>>\n\nuser [/INST] answer </s><s>[INST] ...};
     * the system prompt goes inside the next user turn.
     */
    LLAMA2 {
        @Override
        String render(List<ChatMessage> messages) {
            StringBuilder sb = new StringBuilder();
            String system = null;
            boolean started = false;
            for (ChatMessage m : messages) {
                switch (m.role()) {
                    case SYSTEM -> system = system == null ? m.content().strip() : system + "\n" + m.content().strip();
                    case USER -> {
                        userTurn(sb, started, system, m.content().strip());
                        system = null;
                        started = true;
                    }
                    case ASSISTANT -> {
                        sb.append(' ').append(m.content().strip()).append(" </s>");
                        started = true;
                    }
                }
            }
            if (system != null) {
                userTurn(sb, started, system, "");
            }
            return sb.toString();
        }

        private void userTurn(StringBuilder sb, boolean started, String system, String text) {
            sb.append(started ? "<s>[INST] " : "[INST] ");
            if (system != null) {
                sb.append("<<SYS>>\n").append(system).append("\n<</SYS>>\n\n");
            }
            sb.append(text).append(" [/INST]");
        }
    },
    /**
     * Mistral instruct: {@code [INST] user [/INST] answer</s>[INST] ...}; it has no system role, so
     * a system prompt opens the next user turn, separated by a blank line.
     */
    MISTRAL {
        @Override
        String render(List<ChatMessage> messages) {
            StringBuilder sb = new StringBuilder();
            String system = null;
            for (ChatMessage m : messages) {
                switch (m.role()) {
                    case SYSTEM -> system = system == null ? m.content() : system + "\n\n" + m.content();
                    case USER -> {
                        sb.append("[INST] ").append(system == null ? "" : system + "\n\n").append(m.content()).append(" [/INST]");
                        system = null;
                    }
                    case ASSISTANT -> sb.append(' ').append(m.content()).append("</s>");
                }
            }
            if (system != null) {
                sb.append("[INST] ").append(system).append(" [/INST]");
            }
            return sb.toString();
        }
    },
    /** Zephyr: {@code <|role|>\ncontent</s>\n}. */
    ZEPHYR {
        @Override
        String render(List<ChatMessage> messages) {
            return tagged(messages, "</s>");
        }
    },
    /** Phi-3: Zephyr's layout with {@code <|end|>} closing each turn. */
    PHI3 {
        @Override
        String render(List<ChatMessage> messages) {
            return tagged(messages, "<|end|>");
        }
    },
    /**
     * Gemma: {@code <start_of_turn>user\ncontent<end_of_turn>\n}, the assistant called "model"; it
     * has no system role, so a system prompt opens the next user turn, separated by a blank line.
     */
    GEMMA {
        @Override
        String render(List<ChatMessage> messages) {
            StringBuilder sb = new StringBuilder();
            String system = null;
            for (ChatMessage m : messages) {
                switch (m.role()) {
                    case SYSTEM -> system = system == null ? m.content().strip() : system + "\n\n" + m.content().strip();
                    case USER -> {
                        turn(sb, "user", system == null ? m.content().strip() : system + "\n\n" + m.content().strip());
                        system = null;
                    }
                    case ASSISTANT -> turn(sb, "model", m.content().strip());
                }
            }
            if (system != null) {
                turn(sb, "user", system);
            }
            return sb.append("<start_of_turn>model\n").toString();
        }

        private void turn(StringBuilder sb, String role, String text) {
            sb.append("<start_of_turn>").append(role).append('\n').append(text).append("<end_of_turn>\n");
        }
    };

    /** The prompt text of {@code messages}, ending with the cue for the assistant's reply. */
    abstract String render(List<ChatMessage> messages);

    /** The format called {@code name} (case-insensitive, as {@link #name()} or with a dash, e.g. "llama-3"), or null. */
    static ChatFormat named(String name) {
        String key = name.strip().replace("-", "").replace("_", "").toUpperCase(Locale.ROOT);
        for (ChatFormat f : values()) {
            if (f.name().equals(key)) {
                return f;
            }
        }
        return null;
    }

    private static String tagged(List<ChatMessage> messages, String end) {
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            sb.append("<|").append(m.role().apiName()).append("|>\n").append(m.content()).append(end).append('\n');
        }
        return sb.append("<|assistant|>\n").toString();
    }
}
