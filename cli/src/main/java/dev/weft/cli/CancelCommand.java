package dev.weft.cli;

import dev.weft.client.WeftClient;
import dev.weft.serde.WeftSerdes;
import dev.weft.topics.Topics;
import java.io.PrintStream;
import java.util.Set;

/** {@code weft cancel RUN [--task T] [--reason R]}: publishes a cancel request. */
final class CancelCommand {
  static final Set<String> OPTIONS = Endpoints.optionsWith("task", "reason");

  private CancelCommand() {}

  static int run(Args a, PrintStream out, PrintStream err) {
    a.allow(OPTIONS);
    String runId = a.positional(0, "the run id");
    Endpoints e = Endpoints.from(a);
    String task = a.option("task", null, null);
    try (WeftClient client = new WeftClient(e.bootstrap(), new WeftSerdes(e.registry()), Topics.DEFAULT)) {
      client.cancel(runId, task, a.option("reason", null, null));
    }
    out.println("cancel requested for " + (task == null ? "run " + runId : "task " + task + " of run " + runId)
        + "; running attempts are stopped, then `weft status " + runId + "` shows CANCELLED");
    return Weft.OK;
  }
}
