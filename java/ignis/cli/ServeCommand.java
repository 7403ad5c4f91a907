package ignis.cli;

import ignis.runtime.Engine;
import ignis.runtime.serving.BatchScheduler;
import ignis.server.OpenAiServer;
import ignis.server.ServerOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ignis serve}: the OpenAI-compatible server over continuous batching, until interrupted. */
@Command(name = "serve",
        description = "Serve a model over HTTP: /v1/completions, /v1/chat/completions (stream: true as server-sent events), "
                + "/v1/models, /health, /metrics.")
public final class ServeCommand implements Callable<Integer> {

    @Mixin
    ServingOptions serving = new ServingOptions();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default ${DEFAULT-VALUE}; 0.0.0.0 for every interface)")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port, 0 for any free one (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--chat-format", description = "chat layout instead of the one recognized from the model: chatml, llama2, llama3, mistral, zephyr, phi3, gemma")
    String chatFormat;

    @Override
    public Integer call() throws InterruptedException {
        ServerOptions options = new ServerOptions(host, port, ServerOptions.DEFAULT_MAX_BODY_BYTES, chatFormat);
        CountDownLatch stopped = new CountDownLatch(1);
        try (Engine engine = serving.loadEngine();
                BatchScheduler scheduler = BatchScheduler.start(engine, serving.schedulerOptions());
                OpenAiServer server = OpenAiServer.start(scheduler, options)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }));
            System.err.printf("ignis: serving %s on http://%s:%d (max batch %d, %d KV blocks of %d tokens)%n", scheduler.modelName(), host,
                    server.port(), serving.maxBatch, scheduler.stats().kvBlocksTotal(), scheduler.blockTokens());
            stopped.await();
        }
        return 0;
    }
}
