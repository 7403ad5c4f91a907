package ignis.server;

import java.util.List;

/**
 * Chat messages to prompt text. The GGUF's {@code tokenizer.chat_template} is a Jinja program; rather
 * than run it, the family is recognized by the markers its template must contain (as llama.cpp's
 * server does when it cannot run Jinja) and laid out by {@link ChatFormat}. No or an unknown
 * template falls back to Llama 2's layout, what llama.cpp assumes for older Llama models.
 */
final class ChatTemplates {
    private ChatTemplates() {
    }

    /** The format a chat template is written for. */
    static ChatFormat detect(String template) {
        if (template == null || template.isBlank()) {
            return ChatFormat.LLAMA2;
        }
        if (template.contains("<|im_start|>")) {
            return ChatFormat.CHATML;
        }
        if (template.contains("<|start_header_id|>")) {
            return ChatFormat.LLAMA3;
        }
        if (template.contains("[INST]")) {
            // Llama 2 wraps the system prompt in <<SYS>>; Mistral's templates have no system block.
            return template.contains("<<SYS>>") ? ChatFormat.LLAMA2 : ChatFormat.MISTRAL;
        }
        if (template.contains("<|assistant|>") && template.contains("<|end|>")) {
            return ChatFormat.PHI3; // before Zephyr: Phi-3 uses the same role tags
        }
        if (template.contains("<|user|>")) {
            return ChatFormat.ZEPHYR;
        }
        if (template.contains("<start_of_turn>")) {
            return ChatFormat.GEMMA;
        }
        return ChatFormat.LLAMA2;
    }

    /** The prompt for {@code messages} in the format of {@code template}. */
    static String apply(String template, List<ChatMessage> messages) {
        return detect(template).render(messages);
    }
}
