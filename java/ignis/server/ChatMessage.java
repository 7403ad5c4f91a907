package ignis.server;

/** One turn of a chat request, its content already flattened to text. */
record ChatMessage(Role role, String content) {

    enum Role {
        SYSTEM, USER, ASSISTANT;

        /** The role's name as OpenAI's API and most chat formats spell it. */
        String apiName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static ChatMessage system(String text) {
        return new ChatMessage(Role.SYSTEM, text);
    }

    static ChatMessage user(String text) {
        return new ChatMessage(Role.USER, text);
    }

    static ChatMessage assistant(String text) {
        return new ChatMessage(Role.ASSISTANT, text);
    }
}
