package dev.weft.cli;

import dev.weft.client.RunResult;
import dev.weft.client.TaskResult;
import dev.weft.coordinator.api.RunView;
import dev.weft.coordinator.api.TaskView;
import dev.weft.coordinator.event.CoordinatorEvent.TaskCarriedOver;
import dev.weft.coordinator.state.TaskStatuses;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How runs are shown to people: Luigi's execution summary at the end of a run, and a status table. */
final class RunReport {
  private static final int MAX_LISTED = 20;

  private RunReport() {}

  /** Luigi-style summary: what was scheduled, already complete, ran, failed, blocked by failed upstream. */
  static void summary(RunResult r, PrintStream out) {
    out.println();
    out.println("===== Weft Execution Summary =====");
    out.println();
    if ("REJECTED".equals(r.status())) {
      out.println("The request for run " + r.runId() + " was rejected:");
      for (String line : String.valueOf(r.reason()).split("\n")) out.println("    " + line);
      out.println();
      out.println("This progress looks :( because the pipeline was rejected");
      out.println();
      out.println("===== End of Weft Execution Summary =====");
      return;
    }
    Map<String, List<TaskResult>> by = new LinkedHashMap<>();
    for (TaskResult t : r.tasks()) by.computeIfAbsent(t.status(), k -> new ArrayList<>()).add(t);
    out.println("Scheduled " + r.taskCount() + " tasks of which:");
    List<TaskResult> skipped = by.getOrDefault("SKIPPED", List.of());
    section(out, skipped.stream().filter(t -> !carriedOver(t)).toList(),
        "complete ones were encountered (output already existed)", false);
    List<TaskResult> carried = skipped.stream().filter(RunReport::carriedOver).toList();
    // A rerun's tasks all come from the run it reruns: "were carried over from run R (not run again)".
    if (!carried.isEmpty()) section(out, carried, "were " + carried.get(0).lastFailure() + " (not run again)", false);
    section(out, by.get("SUCCEEDED"), "ran successfully", false);
    section(out, by.get("FAILED"), "failed", true);
    section(out, by.get("TIMED_OUT"), "timed out", true);
    section(out, by.get("CANCELLED"), "were cancelled", true);
    List<TaskResult> upstream = by.getOrDefault("UPSTREAM_FAILED", List.of());
    if (!upstream.isEmpty()) {
      out.println("* " + upstream.size() + " were left pending, among these:");
      out.println("    * " + upstream.size() + " had failed dependencies:");
      list(out, upstream, "        ", false);
    }
    out.println();
    String seconds = r.startedAtMs() == null || r.finishedAtMs() == null ? ""
        : String.format(" in %.1f s", (r.finishedAtMs() - r.startedAtMs()) / 1000.0);
    out.println("Run " + r.runId() + " " + r.status() + seconds + ".");
    out.println(r.succeeded() ? "This progress looks :) because there were no failed tasks"
        : "This progress looks :( because there were " + ("CANCELLED".equals(r.status()) ? "cancelled" : "failed")
            + " tasks");
    out.println();
    out.println("===== End of Weft Execution Summary =====");
  }

  /** A task of a rerun that did not run again: SKIPPED with the reason the coordinator gives it. */
  private static boolean carriedOver(TaskResult t) {
    return t.lastFailure() != null && t.lastFailure().startsWith(TaskCarriedOver.REASON_PREFIX);
  }

  private static void section(PrintStream out, List<TaskResult> tasks, String what, boolean details) {
    if (tasks == null || tasks.isEmpty()) return;
    out.println("* " + tasks.size() + " " + what + ":");
    list(out, tasks, "    ", details);
  }

  private static void list(PrintStream out, List<TaskResult> tasks, String indent, boolean details) {
    int shown = 0;
    for (TaskResult t : tasks) {
      if (shown++ == MAX_LISTED) {
        out.println(indent + "- ... and " + (tasks.size() - MAX_LISTED) + " more");
        break;
      }
      StringBuilder line = new StringBuilder(indent + "- " + t.id());
      if (details) {
        line.append(" (attempts ").append(t.attempts());
        if (t.exitCode() != null) line.append(", exit code ").append(t.exitCode());
        line.append(")");
        if (t.lastFailure() != null) line.append(": ").append(t.lastFailure());
      }
      if (t.trackingUrl() != null) line.append(" [").append(t.trackingUrl()).append("]");
      out.println(line);
      if (details && t.logTail() != null && !t.logTail().isBlank()) {
        String[] lines = t.logTail().strip().split("\n");
        for (int i = Math.max(0, lines.length - 5); i < lines.length; i++) out.println(indent + "    | " + lines[i]);
      }
    }
  }

  /** One line per task as it finishes, for progress while waiting. */
  static String progressLine(TaskResult t, int finished, int total) {
    String mark = switch (t.status()) {
      case "SUCCEEDED" -> "ok  ";
      case "SKIPPED" -> "skip";
      case "CANCELLED" -> "stop";
      default -> "FAIL";
    };
    String width = Integer.toString(Math.max(total, finished)).length() + "";
    // A task that succeeded on a retry keeps its last failure: say that it is behind it, not why the task ended.
    int failedBefore = t.attempts() - 1;
    String detail = t.lastFailure() == null ? ""
        : !TaskStatuses.satisfiesDependants(t.status()) ? " - " + t.lastFailure()
        : " - after " + failedBefore + (failedBefore == 1 ? " failed attempt" : " failed attempts") + "; the last: "
            + t.lastFailure();
    return String.format("[%" + width + "d/%d] %s %s %s%s%s", finished, total, mark, t.id(), t.status(),
        attemptNote(t.attempts()), detail);
  }

  /**
   * " (attempt N)", or nothing for a task that had no attempt of its own: skipped, cancelled before it was dispatched,
   * or mapped (its instances had the attempts).
   */
  static String attemptNote(int attempts) {
    return attempts > 0 ? " (attempt " + attempts + ")" : "";
  }

  /** How many of a mapped task's instances {@code weft status} lists without {@code --all}: failed ones only. */
  static final int INSTANCES_SHOWN = 10;

  /** {@code weft status}: a header line and a table of tasks, a mapped task's failed instances under it. */
  static void status(RunView r, PrintStream out) {
    status(r, false, out);
  }

  /**
   * {@code weft status [--all]}: a header line and a table of tasks. A mapped task is one row whose detail counts its
   * instances by status; below it come its instances that ended without succeeding (at most
   * {@value #INSTANCES_SHOWN}), or with {@code all} every instance, so that a 1,000-way map stays readable.
   */
  static void status(RunView r, boolean all, PrintStream out) {
    int finished = r.tasks() == null ? 0 : (int) r.tasks().stream().filter(t -> TaskStatuses.isTerminal(t.status())).count();
    out.println("run " + r.runId() + "  pipeline " + r.pipeline() + "  status " + r.status() + "  (" + finished + "/"
        + r.taskCount() + " tasks finished)  " + r.counts());
    if (r.cancelReason() != null) out.println("cancel reason: " + r.cancelReason());
    if (r.rerunOf() != null) out.println("rerun of run " + r.rerunOf());
    if (r.startedBy() != null) out.println("started by " + r.startedBy());
    int w = 4;
    for (TaskView t : r.tasks()) w = Math.max(w, t.id().length());
    String fmt = "%-" + w + "s  %-17s  %-9s  %-8s  %s%n";
    out.printf(fmt, "TASK", "STATUS", "EXECUTOR", "ATTEMPTS", "DETAIL");
    java.util.Map<String, List<TaskView>> instances = new java.util.HashMap<>();
    for (TaskView t : r.tasks()) {
      if (t.mapParent() != null) instances.computeIfAbsent(t.mapParent(), k -> new ArrayList<>()).add(t);
    }
    for (TaskView t : r.tasks()) {
      if (t.mapParent() != null) continue;
      // A task mapped over a count has no mapOver task, and instances once it started.
      boolean mapped = t.mapOver() != null || t.instances() != null;
      row(t, fmt, w, out, mapped ? instanceCounts(t, instances.getOrDefault(t.id(), List.of())) : null);
      List<TaskView> mine = instances.getOrDefault(t.id(), List.of());
      List<TaskView> shown = all ? mine : mine.stream()
          .filter(i -> TaskStatuses.isTerminal(i.status()) && !TaskStatuses.satisfiesDependants(i.status()))
          .toList();
      for (TaskView i : shown.subList(0, all ? shown.size() : Math.min(INSTANCES_SHOWN, shown.size()))) {
        row(i, fmt, w, out, null);
      }
      if (!all && shown.size() > INSTANCES_SHOWN) {
        out.printf("%-" + w + "s    ... %d more failed instances; weft status %s --all lists every instance%n", "",
            shown.size() - INSTANCES_SHOWN, r.runId());
      }
    }
  }

  /** "3 instances: 2 SUCCEEDED, 1 FAILED", or what a mapped task waits for before it has any. */
  private static String instanceCounts(TaskView mapped, List<TaskView> instances) {
    if (mapped.instances() == null) return "mapped over " + mapped.mapOver() + "'s result";
    java.util.Map<String, Integer> by = new java.util.TreeMap<>();
    for (TaskView i : instances) by.merge(i.status(), 1, Integer::sum);
    return mapped.instances() + " instances" + (by.isEmpty() ? "" : ": " + by.entrySet().stream()
        .map(e -> e.getValue() + " " + e.getKey()).collect(java.util.stream.Collectors.joining(", ")));
  }

  private static void row(TaskView t, String fmt, int w, PrintStream out, String prefix) {
    String detail = t.trackingUrl() != null ? t.trackingUrl() : "";
    if (t.lastFailure() != null) detail = (detail.isEmpty() ? "" : detail + "  ") + t.lastFailure();
    if (prefix != null) detail = prefix + (detail.isEmpty() ? "" : "  " + detail);
    if (t.spawnedBy() != null) detail = "spawned by " + t.spawnedBy() + (detail.isEmpty() ? "" : "  " + detail);
    if (t.waitingForTime() != null) {
      // What a PENDING task with a notBefore time waits for: the time alone, or its dependencies first.
      detail = (t.waitingForTime() ? "waits until " + t.notBefore() + " (notBefore)"
          : "waits for its dependencies, then until " + t.notBefore() + " (notBefore)")
          + (detail.isEmpty() ? "" : "  " + detail);
    }
    // A Batch job waiting for capacity is RUNNING to Weft (its executor started it) but not yet running anywhere.
    String status = t.phase() == null || t.phase().equals(t.status()) ? t.status()
        : t.status() + " (" + t.phase().toLowerCase() + ")";
    out.printf(fmt, t.id(), status, t.executor(), t.attempts(), detail);
    if (t.failures() != null && t.failures().size() > 1) {
      for (TaskView.FailureView f : t.failures()) {
        out.printf("%-" + w + "s    attempt %d failed (%s%s): %s%n", "", f.attempt(), f.kind(),
            f.exitCode() == null ? "" : ", exit code " + f.exitCode(), f.reason());
      }
    }
  }
}
