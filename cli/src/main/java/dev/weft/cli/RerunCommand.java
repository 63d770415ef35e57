package dev.weft.cli;

import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.WeftClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft rerun RUN [--failed] [--from TASK]... [--task TASK]... [--wait] [--json] [--timeout D]}: a new run of the
 * same spec and parameters, taken from the coordinator that holds RUN. {@code --wait} and {@code --json} are
 * {@code weft submit}'s.
 */
@Command(name = "rerun", mixinStandardHelpOptions = true,
    description = {"Start a new run of a run's spec and parameters; the tasks not chosen are carried over as SKIPPED.",
        "With none of --failed, --from and --task, every task runs again."})
final class RerunCommand implements Callable<Integer> {
  private final CommandOutput output;

  @Parameters(index = "0", paramLabel = "RUN", description = "the run to rerun (the coordinator must still hold it)")
  String runId;

  @Option(names = "--failed", description = "run again what did not succeed; SUCCEEDED and SKIPPED tasks are carried over")
  boolean failed;

  @Option(names = "--from", paramLabel = "TASK", description = "run this task and everything downstream of it again; repeatable")
  List<String> from = new ArrayList<>();

  @Option(names = "--task", paramLabel = "TASK", description = "run just this task again; repeatable")
  List<String> tasks = new ArrayList<>();

  @Option(names = "--wait", description = "follow the new run, show progress, print a summary; exit code as the run's")
  boolean await;

  @Option(names = "--json", description = "print the new run id, or with --wait the run, as JSON")
  boolean json;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "24h", converter = DurationConverter.class,
      description = "with --wait, how long to wait before exit code 4; the run goes on (default ${DEFAULT-VALUE})")
  Duration timeout;

  @Mixin
  TopicPrefixOption topicPrefix;

  @Mixin
  ConnectionOptions connection;

  RerunCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws Exception {
    PrintStream out = output.out();
    PrintStream err = output.err();
    try (WeftClient client = new WeftClient(connection.bootstrap(), connection.serdes(), topicPrefix.topics(),
        connection.kafkaProperties())) {
      SubmittedRun run = client.rerun(runId, failed, from, tasks);
      if (!await) {
        if (json) out.println("{\"runId\": \"" + run.runId() + "\", \"rerunOf\": \"" + runId + "\"}");
        else out.println("rerun of " + runId + " requested as run " + run.runId() + "; follow it with `weft status "
            + run.runId() + "`");
        return Weft.OK;
      }
      err.println("rerun of " + runId + " requested as run " + run.runId() + "; waiting for it to finish");
      RunResult result;
      try (RunProgress progress = new RunProgress(new ProgressLine(err, output.interactive()))) {
        result = client.await(run, timeout, progress);
      }
      return SubmitCommand.report(result, json, out);
    } catch (TimeoutException te) {
      err.println("weft: " + te.getMessage());
      return Weft.TIMED_OUT;
    }
  }
}
