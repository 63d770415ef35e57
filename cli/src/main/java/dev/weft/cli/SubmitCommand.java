package dev.weft.cli;

import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.WeftClient;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import dev.weft.spec.SpecException;
import dev.weft.topics.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weft submit FILE}: publishes a pipeline request; with {@code --wait}, follows the run to its end. */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = "Publish a pipeline request; with --wait, follow the run and print a summary.")
final class SubmitCommand implements Callable<Integer> {
  private final CommandOutput output;

  @Parameters(index = "0", paramLabel = "FILE", description = "the pipeline (YAML or JSON)")
  Path file;

  @Mixin
  PipelineParamsOption params;

  @Option(names = "--run-id", paramLabel = "ID", description = "the run's id (default: the pipeline's name and time)")
  String runId;

  @Option(names = "--idempotency-key", paramLabel = "KEY",
      description = "a second request with the same key follows the first run instead of starting another")
  String idempotencyKey;

  @Option(names = "--wait", description = "follow the run, show progress, print a summary; exit code as the run's")
  boolean await;

  @Option(names = "--json", description = "print the run id, or with --wait the run, as JSON")
  boolean json;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "24h", converter = DurationConverter.class,
      description = "with --wait, how long to wait before exit code 4; the run goes on (default ${DEFAULT-VALUE})")
  Duration timeout;

  @Mixin
  ConnectionOptions connection;

  @Mixin
  TopicPrefixOption topicPrefix;

  SubmitCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws Exception {
    PrintStream out = output.out();
    PrintStream err = output.err();
    Map<String, String> paramValues = params.values();
    PipelineSpec spec = load(file);
    Map<String, Object> kafka = connection.kafkaProperties();
    Topics topics = topicPrefix.topics();
    warnOfEmptyGroups(connection.bootstrap(), kafka, topics, spec, err);
    UnenforcedResources.warning(spec).ifPresent(w -> err.println("weft: warning: " + w));
    try (WeftClient client = new WeftClient(connection.bootstrap(), connection.serdes(), topics, kafka)) {
      SubmittedRun run = client.submit(spec, paramValues, runId, idempotencyKey);
      if (!await) {
        if (json) out.println("{\"runId\": \"" + run.runId() + "\"}");
        else out.println("submitted run " + run.runId() + "; follow it with `weft status " + run.runId() + "`");
        return Weft.OK;
      }
      err.println("submitted run " + run.runId() + "; waiting for it to finish");
      RunResult result;
      try (RunProgress progress = new RunProgress(new ProgressLine(err, output.interactive()))) {
        result = client.await(run, timeout, progress);
      }
      return report(result, json, out);
    } catch (TimeoutException te) {
      err.println("weft: " + te.getMessage());
      return Weft.TIMED_OUT;
    }
  }

  /**
   * Says which executor groups of the spec have no member: their tasks would wait in the queue until their queue
   * timeout. A warning, not an error: an executor may be starting, or scale from zero on the backlog.
   */
  static void warnOfEmptyGroups(String bootstrap, Map<String, Object> kafka, Topics topics, PipelineSpec spec,
      PrintStream err) {
    Set<String> executors = new java.util.TreeSet<>();
    spec.tasks().forEach(t -> executors.add(t.executor()));
    try {
      for (String name : ExecutorGroups.withoutMembers(bootstrap, kafka, topics, executors)) {
        err.println("weft: warning: no executor is running in group '" + topics.executorGroupOf(name) + "', so the "
            + name + " tasks will wait in the queue until their queueTimeout (default 1h) and then fail; start one "
            + "with `weft executor " + name + "`");
      }
    } catch (Exception ex) {
      err.println("weft: could not check for running executors (" + ex + "); submitting anyway");
    }
  }

  static PipelineSpec load(Path file) throws IOException, SpecException {
    if (!Files.isRegularFile(file)) throw new UsageException("no pipeline file at " + file.toAbsolutePath());
    return PipelineSpecs.parse(Files.readString(file));
  }

  /** Prints the result and returns the exit code: 0 only when the run succeeded. */
  static int report(RunResult result, boolean json, PrintStream out) throws IOException {
    if (json) out.println(Weft.JSON.writeValueAsString(result));
    else RunReport.summary(result, out);
    return exitCode(result.status());
  }

  /** A finished run's exit code, for {@code submit --wait}, {@code run} and {@code status --watch} alike. */
  static int exitCode(String runStatus) {
    return switch (runStatus) {
      case "SUCCEEDED" -> Weft.OK;
      case "REJECTED" -> Weft.REJECTED;
      default -> Weft.RUN_FAILED;
    };
  }
}
