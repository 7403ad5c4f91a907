package ignis.cli;

import ignis.IgnisException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/** The {@code ignis} command line. Results go to stdout, logs and progress to stderr. */
// --help and --version inherited by every subcommand
@Command(name = "ignis", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "ignis 0.1.0",
        description = "Fast LLM inference on the JVM.",
        subcommands = {GenerateCommand.class, ServeCommand.class, BenchCommand.class, BenchServeCommand.class, BenchKernelsCommand.class, DevicesCommand.class, KernelsCommand.class,
                SynthCommand.class,
                TokenizeCommand.class, InspectCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code: 0 ok, 1 error (message on stderr), 2 bad usage. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IgnisException) {
                cmd.getErr().println("ignis: error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
