package ignis.server;

import ignis.runtime.GenerationResult;
import ignis.runtime.serving.CompletionService;
import ignis.runtime.serving.Submission;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * POST /v1/completions and /v1/chat/completions: parses the request, submits its n sequences and
 * answers with one JSON response or a stream of chunks. Runs on the request's own (virtual)
 * thread; the sequences' events arrive through an {@link EventQueue}. Whatever way the handler
 * leaves early (client gone, a choice failed, the server closing), the sequences still running are
 * cancelled so their KV blocks go back to the pool. A client that closes the connection is seen
 * at once, streamed or not (see {@link Exchange#onHangUp}), not only when a write fails.
 */
final class GenerationHandler {
    /** A stream idle this long gets a comment line: keeps proxies from closing it and finds clients that left. */
    static final long KEEP_ALIVE_MILLIS = 10_000;

    private final CompletionService service;
    private final RequestParser parser;
    private final Endpoint endpoint;
    private final int maxBodyBytes;

    GenerationHandler(CompletionService service, RequestParser parser, Endpoint endpoint, int maxBodyBytes) {
        this.service = service;
        this.parser = parser;
        this.endpoint = endpoint;
        this.maxBodyBytes = maxBodyBytes;
    }

    void handle(Exchange exchange) throws IOException, InterruptedException {
        Object body = JsonParser.parse(Http.readBody(exchange, maxBodyBytes));
        ParsedRequest request = endpoint == Endpoint.CHAT ? parser.chat(body) : parser.completion(body);
        EventQueue events = new EventQueue();
        List<Submission> submissions = submit(request, events);
        exchange.onHangUp(events::hangUp);
        Run run = new Run(request, submissions);
        try {
            if (request.stream()) {
                stream(exchange, run, events);
            } else {
                respond(exchange, run, events);
            }
        } finally {
            // Reached at once when a write fails (the client left), a choice fails or the server closes.
            run.cancelUnfinished();
        }
    }

    /** Submits every choice; if one is refused the earlier ones are cancelled and the refusal goes up (429 or 400). */
    private List<Submission> submit(ParsedRequest request, EventQueue events) {
        List<Submission> submissions = new ArrayList<>();
        try {
            for (int i = 0; i < request.choices().size(); i++) {
                submissions.add(service.submit(request.choices().get(i), events.listener(i)));
            }
        } catch (RuntimeException e) {
            submissions.forEach(Submission::cancel);
            throw e;
        }
        return submissions;
    }

    private void respond(Exchange exchange, Run run, EventQueue events) throws IOException, InterruptedException {
        int n = run.results.length;
        StringBuilder[] texts = new StringBuilder[n];
        Arrays.setAll(texts, i -> new StringBuilder());
        while (run.remaining > 0) {
            switch (events.take()) {
                case EventQueue.Token t -> texts[t.choice()].append(t.text());
                case EventQueue.Done d -> run.finish(d);
                case EventQueue.Failed f -> {
                    run.fail(f);
                    throw failure(f);
                }
                case EventQueue.HungUp h -> throw clientGone();
            }
        }
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String text = run.results[i].text();
            out.add(text != null ? text : texts[i].toString());
        }
        Http.sendJson(exchange, 200, endpoint.response(run.id, run.created, service.modelName(), out, List.of(run.results),
                run.request.promptTokens()));
    }

    private void stream(Exchange exchange, Run run, EventQueue events) throws IOException, InterruptedException {
        exchange.setResponseHeader("Content-Type", "text/event-stream; charset=utf-8");
        exchange.setResponseHeader("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        String model = service.modelName();
        SseWriter sse = new SseWriter(exchange.responseBody());
        // The headers wait in a buffer otherwise: a client queued behind others would see nothing at all.
        exchange.responseBody().flush();
        if (endpoint == Endpoint.CHAT) {
            for (int i = 0; i < run.results.length; i++) {
                sse.data(endpoint.roleChunk(run.id, run.created, model, i));
            }
        }
        while (run.remaining > 0) {
            EventQueue.Event event = events.poll(KEEP_ALIVE_MILLIS);
            switch (event) {
                case null -> sse.comment("keep-alive");
                case EventQueue.Token t -> sse.data(endpoint.textChunk(run.id, run.created, model, t.choice(), t.text()));
                case EventQueue.Done d -> {
                    run.finish(d);
                    sse.data(endpoint.finalChunk(run.id, run.created, model, d.choice(), d.result().stopReason()));
                }
                case EventQueue.Failed f -> {
                    // The status line is long gone: the error travels as an event, and the stream ends without [DONE].
                    run.fail(f);
                    ApiException e = failure(f);
                    sse.data(Http.errorBody(e.status, e.type, e.param, e.getMessage()));
                    return;
                }
                case EventQueue.HungUp h -> throw clientGone();
            }
        }
        if (run.request.includeUsage()) {
            sse.data(endpoint.usageChunk(run.id, run.created, model, run.request.promptTokens(), List.of(run.results)));
        }
        sse.done();
    }

    private static IOException clientGone() {
        return new IOException("the client closed the connection");
    }

    private static ApiException failure(EventQueue.Failed f) {
        String why = f.error().getMessage() != null ? f.error().getMessage() : f.error().toString();
        return ApiException.internal("generating choice " + f.choice() + " failed: " + why);
    }

    /** One request's sequences and which of them have finished. */
    private final class Run {
        final ParsedRequest request;
        final List<Submission> submissions;
        final GenerationResult[] results;
        /** Choices that ended (completed or failed): nothing left to cancel. */
        final boolean[] ended;
        final String id = endpoint.newId();
        final long created = Endpoint.now();
        int remaining;

        Run(ParsedRequest request, List<Submission> submissions) {
            this.request = request;
            this.submissions = submissions;
            this.results = new GenerationResult[submissions.size()];
            this.ended = new boolean[submissions.size()];
            this.remaining = submissions.size();
        }

        void finish(EventQueue.Done d) {
            if (!ended[d.choice()]) {
                ended[d.choice()] = true;
                results[d.choice()] = d.result();
                remaining--;
            }
        }

        void fail(EventQueue.Failed f) {
            ended[f.choice()] = true;
        }

        void cancelUnfinished() {
            for (int i = 0; i < ended.length; i++) {
                if (!ended[i]) {
                    ended[i] = true;
                    submissions.get(i).cancel();
                }
            }
        }
    }
}
