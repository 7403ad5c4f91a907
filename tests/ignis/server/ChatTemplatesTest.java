package ignis.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each chat format's exact text for one system + user + assistant + user conversation, against the
 * family's published layout (minus the leading BOS, which tokenizing adds), and template detection.
 */
class ChatTemplatesTest {
    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are terse."),
            ChatMessage.user("Hi!"),
            ChatMessage.assistant("Hello."),
            ChatMessage.user("Name a color."));

    @Test
    void chatml() {
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n"
                + "<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n"
                + "<|im_start|>user\nName a color.<|im_end|>\n"
                + "<|im_start|>assistant\n", ChatFormat.CHATML.render(CONVERSATION));
    }

    @Test
    void llama3() {
        assertEquals("<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nName a color.<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", ChatFormat.LLAMA3.render(CONVERSATION));
    }

    @Test
    void llama2PutsTheSystemPromptInsideTheFirstInstruction() {
        assertEquals("[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHi! [/INST] Hello. </s><s>[INST] Name a color. [/INST]",
                ChatFormat.LLAMA2.render(CONVERSATION));
        assertEquals("[INST] Hi! [/INST]", ChatFormat.LLAMA2.render(List.of(ChatMessage.user("  Hi! "))));
        assertEquals("[INST] <<SYS>>\nA\nB\n<</SYS>>\n\n [/INST]",
                ChatFormat.LLAMA2.render(List.of(ChatMessage.system("A"), ChatMessage.system("B"))));
    }

    @Test
    void mistralHasNoSystemRoleAndClosesAnswersWithEos() {
        assertEquals("[INST] You are terse.\n\nHi! [/INST] Hello.</s>[INST] Name a color. [/INST]",
                ChatFormat.MISTRAL.render(CONVERSATION));
    }

    @Test
    void zephyr() {
        assertEquals("<|system|>\nYou are terse.</s>\n<|user|>\nHi!</s>\n<|assistant|>\nHello.</s>\n<|user|>\nName a color.</s>\n"
                + "<|assistant|>\n", ChatFormat.ZEPHYR.render(CONVERSATION));
    }

    @Test
    void phi3() {
        assertEquals("<|system|>\nYou are terse.<|end|>\n<|user|>\nHi!<|end|>\n<|assistant|>\nHello.<|end|>\n"
                + "<|user|>\nName a color.<|end|>\n<|assistant|>\n", ChatFormat.PHI3.render(CONVERSATION));
    }

    @Test
    void gemmaFoldsTheSystemPromptIntoTheFirstUserTurn() {
        assertEquals("<start_of_turn>user\nYou are terse.\n\nHi!<end_of_turn>\n"
                + "<start_of_turn>model\nHello.<end_of_turn>\n"
                + "<start_of_turn>user\nName a color.<end_of_turn>\n"
                + "<start_of_turn>model\n", ChatFormat.GEMMA.render(CONVERSATION));
    }

    @Test
    void detectsTheFamilyFromItsTemplate() {
        assertEquals(ChatFormat.CHATML, ChatTemplates.detect(
                "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n'}}"
                        + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"));
        assertEquals(ChatFormat.LLAMA3, ChatTemplates.detect(
                "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim"
                        + " + '<|eot_id|>' %}"));
        assertEquals(ChatFormat.LLAMA2, ChatTemplates.detect(
                "{% if messages[0]['role'] == 'system' %}{% set content = '<<SYS>>\\n' + messages[0]['content'] + '\\n<</SYS>>\\n\\n' %}"
                        + "{% endif %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"));
        assertEquals(ChatFormat.MISTRAL, ChatTemplates.detect(
                "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
                        + "{% else %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}"));
        assertEquals(ChatFormat.ZEPHYR, ChatTemplates.detect(
                "{% if message['role'] == 'user' %}{{ '<|user|>\\n' + message['content'] + eos_token }}{% endif %}"
                        + "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}"));
        assertEquals(ChatFormat.PHI3, ChatTemplates.detect(
                "{{'<|' + message['role'] + '|>' + '\\n' + message['content'] + '<|end|>\\n'}}{% if add_generation_prompt %}"
                        + "{{ '<|assistant|>\\n' }}{% endif %}"));
        assertEquals(ChatFormat.GEMMA, ChatTemplates.detect(
                "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"));
    }

    @Test
    void fallsBackToLlama2() {
        assertEquals(ChatFormat.LLAMA2, ChatTemplates.detect(null));
        assertEquals(ChatFormat.LLAMA2, ChatTemplates.detect(""));
        assertEquals(ChatFormat.LLAMA2, ChatTemplates.detect("{% for m in messages %}{{ m.content }}{% endfor %}"));
        assertEquals("[INST] Hi! [/INST]", ChatTemplates.apply(null, List.of(ChatMessage.user("Hi!"))));
    }

    @Test
    void formatsAreFoundByName() {
        assertEquals(ChatFormat.LLAMA3, ChatFormat.named("llama-3"));
        assertEquals(ChatFormat.CHATML, ChatFormat.named("ChatML"));
        assertNull(ChatFormat.named("jinja"));
    }
}
