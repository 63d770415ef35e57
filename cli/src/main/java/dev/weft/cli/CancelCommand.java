package dev.weft.cli;

import dev.weft.client.WeftClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weft cancel RUN [--task T] [--reason R]}: publishes a cancel request. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
    description = "Cancel a run, or one task and what depends on it.")
final class CancelCommand implements Callable<Integer> {
  private final CommandOutput output;

  @Parameters(index = "0", paramLabel = "RUN", description = "the run id")
  String runId;

  @Option(names = "--task", paramLabel = "TASK", description = "cancel this task and its dependants only")
  String task;

  @Option(names = "--reason", paramLabel = "TEXT", description = "why, shown by weft status")
  String reason;

  @Mixin
  TopicPrefixOption topicPrefix;

  @Mixin
  ConnectionOptions connection;

  CancelCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() {
    try (WeftClient client = new WeftClient(connection.bootstrap(), connection.serdes(), topicPrefix.topics(),
        connection.kafkaProperties())) {
      client.cancel(runId, task, reason);
    }
    output.out().println("cancel requested for " + (task == null ? "run " + runId : "task " + task + " of run " + runId)
        + "; running attempts are stopped, then `weft status " + runId + "` shows CANCELLED");
    return Weft.OK;
  }
}
