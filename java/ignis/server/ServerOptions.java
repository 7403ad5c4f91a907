package ignis.server;

import ignis.IgnisException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where and how the OpenAI-compatible server listens.
 *
 * @param host         address to bind ("127.0.0.1" for local clients only, "0.0.0.0" for all)
 * @param port         TCP port; 0 picks a free one ({@link OpenAiServer#port()} tells which)
 * @param maxBodyBytes largest request body accepted; larger ones get 413
 * @param chatFormat   chat layout for /v1/chat/completions: null to recognize it from the model's
 *                     chat template, else one of chatml, llama2, llama3, mistral, zephyr, phi3, gemma
 */
public record ServerOptions(String host, int port, int maxBodyBytes, String chatFormat) {
    /** Default body limit: room for a prompt filling a 128k-token context, escapes included. */
    public static final int DEFAULT_MAX_BODY_BYTES = 8 << 20;

    public ServerOptions {
        if (host == null || host.isBlank()) {
            throw new IgnisException("the server needs a host to bind, e.g. 127.0.0.1");
        }
        if (port < 0 || port > 65535) {
            throw new IgnisException("port must be 0 (any free port) to 65535, got " + port);
        }
        if (maxBodyBytes < 1) {
            throw new IgnisException("the request body limit must be >= 1 byte, got " + maxBodyBytes);
        }
        if (chatFormat != null && ChatFormat.named(chatFormat) == null) {
            throw new IgnisException("unknown chat format '" + chatFormat + "'; known: "
                    + Arrays.stream(ChatFormat.values()).map(f -> f.name().toLowerCase(Locale.ROOT)).toList());
        }
    }

    public ServerOptions(String host, int port) {
        this(host, port, DEFAULT_MAX_BODY_BYTES, null);
    }

    /** 127.0.0.1:8080 (llama.cpp's server default), 8 MiB bodies, chat format from the model. */
    public static ServerOptions defaults() {
        return new ServerOptions("127.0.0.1", 8080);
    }

    public ServerOptions withHost(String h) {
        return new ServerOptions(h, port, maxBodyBytes, chatFormat);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, maxBodyBytes, chatFormat);
    }

    public ServerOptions withMaxBodyBytes(int n) {
        return new ServerOptions(host, port, n, chatFormat);
    }

    public ServerOptions withChatFormat(String name) {
        return new ServerOptions(host, port, maxBodyBytes, name);
    }
}
