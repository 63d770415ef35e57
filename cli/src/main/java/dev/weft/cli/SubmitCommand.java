package dev.weft.cli;

import dev.weft.client.RunListener;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.TaskResult;
import dev.weft.client.WeftClient;
import dev.weft.serde.WeftSerdes;
import dev.weft.spec.Durations;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import dev.weft.spec.SpecException;
import dev.weft.topics.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/** {@code weft submit FILE [--param k=v]... [--run-id ID] [--idempotency-key K] [--wait] [--json] [--timeout D]}. */
final class SubmitCommand {
  static final Set<String> OPTIONS = Endpoints.optionsWith("param", "run-id", "idempotency-key", "wait",
      "json", "timeout");

  private SubmitCommand() {}

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    a.allow(OPTIONS);
    Path file = Path.of(a.positional(0, "the pipeline file (YAML or JSON)"));
    Endpoints e = Endpoints.from(a);
    PipelineSpec spec = load(file);
    warnOfEmptyGroups(e.bootstrap(), spec, err);
    try (WeftClient client = new WeftClient(e.bootstrap(), new WeftSerdes(e.registry()), Topics.DEFAULT)) {
      SubmittedRun run = client.submit(spec, a.params(), a.option("run-id", null, null),
          a.option("idempotency-key", null, null));
      if (!a.flag("wait")) {
        if (a.flag("json")) out.println("{\"runId\": \"" + run.runId() + "\"}");
        else out.println("submitted run " + run.runId() + "; follow it with `weft status " + run.runId() + "`");
        return Weft.OK;
      }
      err.println("submitted run " + run.runId() + "; waiting for it to finish");
      RunResult result = client.await(run, Durations.parse(a.option("timeout", null, "24h")), progress(err));
      return report(result, a.flag("json"), out);
    } catch (TimeoutException te) {
      err.println("weft: " + te.getMessage());
      return Weft.TIMED_OUT;
    }
  }

  /**
   * Says which executor groups of the spec have no member: their tasks would wait in the queue until their queue
   * timeout. A warning, not an error: an executor may be starting, or scale from zero on the backlog.
   */
  static void warnOfEmptyGroups(String bootstrap, PipelineSpec spec, PrintStream err) {
    Set<String> executors = new java.util.TreeSet<>();
    spec.tasks().forEach(t -> executors.add(t.executor()));
    try {
      for (String name : ExecutorGroups.withoutMembers(bootstrap, executors)) {
        err.println("weft: warning: no executor is running in group '" + ExecutorGroups.groupId(name) + "', so the "
            + name + " tasks will wait in the queue until their queueTimeout (default 1h) and then fail; start one "
            + "with `weft executor " + name + "`");
      }
    } catch (Exception ex) {
      err.println("weft: could not check for running executors (" + ex + "); submitting anyway");
    }
  }

  static PipelineSpec load(Path file) throws IOException, SpecException {
    if (!Files.isRegularFile(file)) throw new Args.UsageException("no pipeline file at " + file.toAbsolutePath());
    return PipelineSpecs.parse(Files.readString(file));
  }

  static RunListener progress(PrintStream err) {
    return new RunListener() {
      @Override
      public void accepted(String runId, int taskCount, boolean existing) {
        err.println(existing ? "run " + runId + " already exists (same idempotency key): following it"
            : "run " + runId + " accepted: " + taskCount + " tasks");
      }

      @Override
      public void taskFinished(TaskResult task, int finished, int total) {
        err.println(RunReport.progressLine(task, finished, total));
      }
    };
  }

  /** Prints the result and returns the exit code: 0 only when the run succeeded. */
  static int report(RunResult result, boolean json, PrintStream out) throws IOException {
    if (json) out.println(Weft.JSON.writeValueAsString(result));
    else RunReport.summary(result, out);
    return switch (result.status()) {
      case "SUCCEEDED" -> Weft.OK;
      case "REJECTED" -> Weft.REJECTED;
      default -> Weft.RUN_FAILED;
    };
  }

}
