package ignis.server;

import ignis.IgnisException;
import ignis.runtime.serving.CompletionService;
import ignis.runtime.serving.QueueFullException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OpenAI-compatible HTTP server over a {@link CompletionService}: POST /v1/completions and
 * /v1/chat/completions (streamed or not), GET /v1/models, /health and /metrics (Prometheus).
 * Every request runs on its own virtual thread, so a slow client only holds a cheap thread while
 * the scheduler goes on. The caller keeps owning the service: {@link #close()} stops the server,
 * not the service.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OpenAiServer.class.getName());

    /** What a path does; may throw {@link ApiException} and friends, which {@link #dispatch} turns into responses. */
    private interface Route {
        void handle(Exchange exchange) throws IOException, InterruptedException;
    }

    private record Entry(String method, Route route) {
    }

    private final CompletionService service;
    private HttpListener http;
    private final Map<String, Entry> routes = new LinkedHashMap<>();
    private final long created = Endpoint.now();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private OpenAiServer(CompletionService service, ServerOptions options) {
        this.service = service;
        ChatFormat format = options.chatFormat() != null ? ChatFormat.named(options.chatFormat())
                : ChatTemplates.detect(service.chatTemplate());
        RequestParser parser = new RequestParser(service.modelName(), service.contextLength(), service.tokenizer(), format);
        GenerationHandler completions = new GenerationHandler(service, parser, Endpoint.COMPLETIONS, options.maxBodyBytes());
        GenerationHandler chat = new GenerationHandler(service, parser, Endpoint.CHAT, options.maxBodyBytes());
        routes.put("/v1/completions", new Entry("POST", completions::handle));
        routes.put("/v1/chat/completions", new Entry("POST", chat::handle));
        routes.put("/v1/models", new Entry("GET", this::models));
        routes.put("/health", new Entry("GET", e -> Http.sendJson(e, 200, Map.of("status", "ok"))));
        routes.put("/metrics", new Entry("GET", e -> Http.send(e, 200, PrometheusText.CONTENT_TYPE, PrometheusText.render(service.stats()))));
    }

    /** Binds {@code options.host():options.port()} and starts serving {@code service}. */
    public static OpenAiServer start(CompletionService service, ServerOptions options) {
        OpenAiServer server = new OpenAiServer(service, options);
        try {
            server.http = HttpListener.start(options.host(), options.port(), options.maxBodyBytes(), server::dispatch);
        } catch (IOException e) {
            throw new IgnisException("cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
        }
        return server;
    }

    /** The port it listens on (the chosen one when started with port 0). */
    public int port() {
        return http.port();
    }

    /**
     * Stops accepting, ends open streams (their sequences are cancelled) and frees the port; the
     * service stays up. Idempotent, and safe from a shutdown hook while another thread closes too.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        http.close(); // interrupts handlers waiting on their sequences: they cancel them and return
    }

    private void dispatch(Exchange exchange) {
        try {
            String path = exchange.path();
            Entry entry = routes.get(path);
            if (entry == null) {
                throw ApiException.notFound(null, "no such endpoint: " + path + "; this server has " + List.copyOf(routes.keySet()));
            }
            if (!entry.method().equals(exchange.method())) {
                exchange.setResponseHeader("Allow", entry.method());
                throw new ApiException(405, "invalid_request_error", null,
                        exchange.method() + " is not allowed on " + path + "; use " + entry.method(), 0);
            }
            entry.route().handle(exchange);
        } catch (ApiException e) {
            fail(exchange, e);
        } catch (JsonParseException e) {
            fail(exchange, ApiException.badRequest(null, "the request body is not valid JSON: " + e.getMessage()));
        } catch (QueueFullException e) {
            fail(exchange, ApiException.busy(e.getMessage(), e.retryAfterSeconds()));
        } catch (IgnisException e) {
            fail(exchange, ApiException.badRequest(null, e.getMessage())); // the service refused the request as invalid
        } catch (IOException | UncheckedIOException e) {
            // The client went away; nothing to tell it.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is closing
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "request " + exchange.path() + " failed", e);
            fail(exchange, ApiException.internal("internal error: " + e));
        }
    }

    /** Sends {@code e} unless the response has begun (a stream already reports errors as events). */
    private static void fail(Exchange exchange, ApiException e) {
        if (exchange.responseCode() != -1) {
            return;
        }
        if (e.status >= 500) {
            LOG.log(System.Logger.Level.WARNING, exchange.path() + ": " + e.getMessage());
        }
        try {
            Http.sendError(exchange, e);
        } catch (IOException gone) {
            // the client left before reading its error
        }
    }

    private void models(Exchange exchange) throws IOException {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("id", service.modelName());
        model.put("object", "model");
        model.put("created", created);
        model.put("owned_by", "ignis");
        model.put("max_model_len", service.contextLength());
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("object", "list");
        list.put("data", List.of(model));
        Http.sendJson(exchange, 200, list);
    }
}
