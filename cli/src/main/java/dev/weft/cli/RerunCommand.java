package dev.weft.cli;

import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.WeftClient;
import dev.weft.serde.WeftSerdes;
import dev.weft.spec.Durations;
import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * {@code weft rerun RUN [--failed] [--from TASK]... [--task TASK]... [--wait] [--json] [--timeout D]}: a new run of the
 * same spec and parameters, taken from the coordinator that holds RUN. {@code --wait} and {@code --json} are
 * {@code weft submit}'s.
 */
final class RerunCommand {
  static final Set<String> OPTIONS = Endpoints.optionsWith("failed", "from", "task", "wait", "json", "timeout",
      "topic-prefix");

  private RerunCommand() {}

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    a.allow(OPTIONS);
    String runId = a.positional(0, "the run to rerun");
    Endpoints e = Endpoints.from(a);
    try (WeftClient client = new WeftClient(e.bootstrap(), new WeftSerdes(e.registry()),
        ServiceCommands.topics(a))) {
      SubmittedRun run = client.rerun(runId, a.flag("failed"), a.options("from"), a.options("task"));
      if (!a.flag("wait")) {
        if (a.flag("json")) out.println("{\"runId\": \"" + run.runId() + "\", \"rerunOf\": \"" + runId + "\"}");
        else out.println("rerun of " + runId + " requested as run " + run.runId() + "; follow it with `weft status "
            + run.runId() + "`");
        return Weft.OK;
      }
      err.println("rerun of " + runId + " requested as run " + run.runId() + "; waiting for it to finish");
      RunResult result = client.await(run, Durations.parse(a.option("timeout", null, "24h")),
          SubmitCommand.progress(err));
      return SubmitCommand.report(result, a.flag("json"), out);
    } catch (TimeoutException te) {
      err.println("weft: " + te.getMessage());
      return Weft.TIMED_OUT;
    }
  }
}
