package dev.weft.cli;

import dev.weft.coordinator.api.RunView;
import dev.weft.coordinator.api.TaskView;
import dev.weft.coordinator.state.TaskStatuses;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code weft status RUN --watch}: polls the coordinator every second until the run ends. On a terminal the status
 * table is redrawn whenever it changed; elsewhere each change is one plain line (a task's new state, the run's new
 * state), so a log or a CI job reads as a history of the run. Ends with the run's exit code, as
 * {@code submit --wait} does.
 */
final class StatusWatch {
  static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final Set<String> ENDED = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "REJECTED");
  /** Cursor home and "erase the screen" (ANSI CUP, ED2). */
  private static final String CLEAR_SCREEN = "\033[H\033[2J";

  private final StatusCommand status;
  private final CommandOutput output;
  private final Map<String, String> taskStates = new HashMap<>();
  private String runState;
  private String lastDrawn;

  StatusWatch(StatusCommand status, CommandOutput output) {
    this.status = status;
    this.output = output;
  }

  int watch() throws Exception {
    boolean warnedUnreachable = false;
    while (true) {
      HttpResponse<String> r = null;
      try {
        r = status.fetch();
        warnedUnreachable = false;
      } catch (ConnectException e) {
        // A coordinator restarting or being replaced: keep watching, and say so once.
        if (!warnedUnreachable) output.err().println(status.unreachable() + "; retrying every second");
        warnedUnreachable = true;
      }
      if (r != null) {
        if (r.statusCode() == 404) return status.fromHistory(r.body(), true);
        if (r.statusCode() != 200) return status.apiError(r);
        RunView run = StatusCommand.parse(r);
        show(run);
        if (ENDED.contains(run.status())) {
          if (status.json) output.out().println(Weft.JSON.writeValueAsString(run));
          else if (!output.interactive()) RunReport.status(run, status.all, output.out());
          return SubmitCommand.exitCode(run.status());
        }
      }
      Thread.sleep(INTERVAL.toMillis());
    }
  }

  private void show(RunView run) {
    if (status.json) return;
    if (output.interactive()) {
      ByteArrayOutputStream table = new ByteArrayOutputStream();
      RunReport.status(run, new PrintStream(table, true, StandardCharsets.UTF_8));
      String drawn = table.toString(StandardCharsets.UTF_8);
      if (!drawn.equals(lastDrawn)) {
        output.out().print(CLEAR_SCREEN + drawn + (ENDED.contains(run.status()) ? "" : "\n(watching; Ctrl-C stops)\n"));
        output.out().flush();
        lastDrawn = drawn;
      }
      return;
    }
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    for (TaskView t : run.tasks()) {
      String state = t.phase() == null || t.phase().equals(t.status()) ? t.status()
          : t.status() + " (" + t.phase().toLowerCase() + ")";
      if (state.equals(taskStates.put(t.id(), state))) continue;
      output.out().println(now + " task " + t.id() + " " + state + RunReport.attemptNote(t.attempts())
          + (t.lastFailure() == null ? "" : ": " + t.lastFailure()));
    }
    if (!run.status().equals(runState)) {
      runState = run.status();
      long finished = run.tasks().stream().filter(t -> TaskStatuses.isTerminal(t.status())).count();
      output.out().println(now + " run " + run.runId() + " " + run.status() + " (" + finished + "/" + run.taskCount()
          + " tasks finished)");
    }
    output.out().flush();
  }
}
