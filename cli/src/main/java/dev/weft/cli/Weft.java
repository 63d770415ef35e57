package dev.weft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code weft} command: picocli parses, prints usage, and routes to one class per subcommand.
 *
 * <p>Adding a command ({@code rerun}, {@code backfill}, {@code schedule}, ...):
 * <ol>
 *   <li>write {@code XCommand implements Callable<Integer>} annotated {@code @Command(name = "x",
 *       mixinStandardHelpOptions = true, description = ...)}, with a constructor taking {@link CommandOutput} (its
 *       stdout, stderr, and whether they are a terminal);
 *   <li>declare its options as annotated fields; take the shared ones as {@code @Mixin}s:
 *       {@link ConnectionOptions} (broker, registry, API, {@code --kafka-config}, {@code --registry-user}),
 *       {@link TopicPrefixOption}, {@link RetainFinishedOption}, {@link HistoryLocationOption},
 *       {@link PipelineParamsOption}; an environment fallback goes through {@link Environment#or};
 *   <li>return one of the exit codes below from {@code call()}; throw {@link UsageException} for a bad argument only
 *       the command can see (it prints like picocli's own usage errors);
 *   <li>list the class in {@code subcommands} here, and add a line to README's CLI table.
 * </ol>
 * Help ({@code -h}/{@code --help}), usage errors, version and shell completion then come for free; the unit test
 * {@code WeftCommandLineTest} checks every registered command's {@code --help}.
 */
@Command(name = "weft", mixinStandardHelpOptions = true, versionProvider = WeftVersion.class,
    description = "Weft: an event-driven orchestrator for batch data pipelines on Apache Kafka.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {RunCommand.class, DevCommand.class, SubmitCommand.class, StatusCommand.class, HistoryCommand.class,
        LineageCommand.class, CancelCommand.class, RerunCommand.class, BackfillCommand.class, ScheduleCommand.class, ReplayCommand.class,
        CoordinatorCommand.class,
        ExecutorCommand.class, SinkCommand.class, BenchCommand.class, VersionCommand.class, CompletionCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"",
        "Every command but run and dev talks to --bootstrap (WEFT_BOOTSTRAP, default localhost:9092), --registry "
            + "(WEFT_REGISTRY, default http://localhost:8081/apis/ccompat/v7) and --api (WEFT_API, default "
            + "http://localhost:7070). --kafka-config FILE (WEFT_KAFKA_CONFIG) gives their Kafka clients SASL, TLS "
            + "and any other client setting; --registry-user USER:PASSWORD (WEFT_REGISTRY_AUTH) is the registry's "
            + "basic auth.",
        "",
        "Run 'weft COMMAND --help' for a command's options; 'weft completion bash' for shell completion.",
        "",
        "Exit codes: 0 succeeded, 1 run failed or cancelled, 2 request rejected, 3 no such run, 4 timed out, "
            + "64 usage error, 69 Weft unreachable, 70 a service stopped on an error it cannot recover from."})
public final class Weft implements Callable<Integer> {
  static final int OK = 0;
  static final int RUN_FAILED = 1;
  static final int REJECTED = 2;
  static final int USAGE = 64;
  static final int NOT_FOUND = 3;
  static final int UNAVAILABLE = 69;
  static final int TIMED_OUT = 4;
  /** {@code weft bench --check}: a figure missed its target. */
  static final int TARGET_MISSED = 5;
  /** A service stopped on an error it cannot recover from (sysexits' EX_SOFTWARE): start it again. */
  static final int SERVICE_FAILED = 70;
  static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private final CommandOutput output;

  @Spec
  CommandSpec spec;

  Weft(CommandOutput output) {
    this.output = output;
  }

  /** {@code weft} alone: the usage, on stdout, as a usage error (a script that forgot its command should fail). */
  @Override
  public Integer call() {
    spec.commandLine().usage(output.out());
    return USAGE;
  }

  public static void main(String[] argv) {
    int code;
    try {
      code = run(List.of(argv), CommandOutput.ofProcess());
    } catch (Throwable t) {
      // Whatever went wrong, never leave a half-stopped JVM behind with client threads still running.
      t.printStackTrace();
      code = UNAVAILABLE;
    }
    System.exit(code);
  }

  /** Runs one command; returns its exit code. Tests call this too: their streams are not a terminal. */
  public static int run(List<String> argv, PrintStream out, PrintStream err) {
    return run(argv, new CommandOutput(out, err, false));
  }

  static int run(List<String> argv, CommandOutput output) {
    return commandLine(output).execute(argv.toArray(String[]::new));
  }

  /** The whole command tree, writing to {@code output}. */
  static CommandLine commandLine(CommandOutput output) {
    CommandFactory factory = new CommandFactory(output);
    CommandLine cl = new CommandLine(new Weft(output), factory);
    cl.setOut(writer(output.out()));
    cl.setErr(writer(output.err()));
    cl.setParameterExceptionHandler(new UsageErrorHandler());
    cl.setExecutionExceptionHandler(new CommandFailureHandler());
    // Wide enough for the option descriptions on an 80-column terminal and wider.
    cl.setUsageHelpAutoWidth(true);
    return cl;
  }

  private static PrintWriter writer(PrintStream stream) {
    return new PrintWriter(new java.io.OutputStreamWriter(stream, Charset.defaultCharset()), true);
  }
}
