package dev.weft.cli;

import dev.weft.coordinator.state.TaskStatuses;
import dev.weft.sink.AttemptRecord;
import dev.weft.sink.HistoryReader;
import dev.weft.sink.RunRecord;
import dev.weft.sink.TaskRecord;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** How history is shown to people: a page of runs, and one run with its tasks and attempts. Times are UTC. */
final class HistoryReport {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private HistoryReport() {}

  static void list(HistoryReader.Page page, String location, PrintStream out) {
    if (page.runs().isEmpty()) {
      out.println("No finished runs in the history at " + location + ". A stack started with `weft dev --data-dir D` "
          + "keeps its history in D/history: give it with --history.");
      return;
    }
    // Columns as wide as their longest value: a run id is its pipeline's name, a time and a suffix.
    int runWidth = Math.max(3, page.runs().stream().mapToInt(r -> r.runId().length()).max().orElse(0));
    int pipelineWidth = Math.max(8, page.runs().stream().mapToInt(r -> String.valueOf(r.pipeline()).length()).max().orElse(0));
    String row = "%-" + runWidth + "s %-" + pipelineWidth + "s %-10s %-19s %9s %s%n";
    out.printf(row, "RUN", "PIPELINE", "STATUS", "ACCEPTED (UTC)", "DURATION", "TASKS");
    for (RunRecord r : page.runs()) {
      out.printf(row, r.runId(), r.pipeline(), r.status(), time(r.acceptedAtMs()),
          "REJECTED".equals(r.status()) ? "" : duration(r.finishedAtMs() - r.acceptedAtMs()), counts(r));
    }
    if (page.more()) {
      out.println("More: add --before " + page.runs().get(page.runs().size() - 1).acceptedAtMs());
    }
  }

  static void run(HistoryReader.RunHistory h, String location, PrintStream out) {
    RunRecord r = h.run() != null ? h.run() : h.rejections().isEmpty() ? null : h.rejections().get(h.rejections().size() - 1);
    if (r == null) {
      out.println("(not ended yet: history has its finished tasks only)");
    } else {
      out.println("Run " + r.runId() + "  pipeline " + r.pipeline() + "  " + r.status());
      out.println("  accepted " + time(r.acceptedAtMs()) + (r.finishedAtMs() > 0 && h.run() != null
          ? ", ended " + time(r.finishedAtMs()) + " (" + duration(r.finishedAtMs() - r.acceptedAtMs()) + ")" : ""));
      if (!r.params().isEmpty()) out.println("  params " + r.params().entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
      if (r.requester() != null && !r.requester().isEmpty()) out.println("  requested by " + r.requester());
      if (r.specHash() != null) out.println("  spec sha256 " + r.specHash());
      if (h.run() != null) out.println("  tasks " + r.taskCount() + ": " + counts(r));
      if (r.reason() != null) for (String line : r.reason().split("\n")) out.println("  " + line);
    }
    if (h.run() != null) for (RunRecord rejected : h.rejections()) {
      out.println("  a request for this run id was also rejected at " + time(rejected.acceptedAtMs()) + ": "
          + rejected.reason().split("\n")[0]);
    }
    Map<String, List<AttemptRecord>> attempts = h.attempts().stream()
        .collect(Collectors.groupingBy(AttemptRecord::taskId));
    for (TaskRecord t : h.tasks()) {
      out.println();
      out.printf("  %-24s %-15s %s%n", t.taskId(), t.status(), t.attempts() + (t.attempts() == 1 ? " attempt" : " attempts"));
      for (AttemptRecord a : attempts.getOrDefault(t.taskId(), List.of())) {
        out.printf("    attempt %d  %-10s %s – %s%s%s%s%n", a.attempt(), a.status(), time(a.startedAtMs()),
            time(a.finishedAtMs()), a.failureKind() == null ? "" : "  " + a.failureKind()
                + (a.exitCode() == null ? "" : " exit " + a.exitCode()),
            a.retrying() ? "  (retried)" : "", a.source() == null ? "" : "  on " + a.source());
        if (a.reason() != null) out.println("      " + a.reason().split("\n")[0]);
        if (a.trackingUrl() != null) out.println("      " + a.trackingUrl());
      }
      if (t.reason() != null && attempts.getOrDefault(t.taskId(), List.of()).isEmpty()) out.println("    " + t.reason());
      if (!t.inputs().isEmpty()) out.println("    reads  " + String.join(", ", t.inputs()));
      if (!t.outputs().isEmpty()) out.println("    writes " + String.join(", ", t.outputs()));
      if (t.logTail() != null && !t.logTail().isBlank() && !TaskStatuses.satisfiesDependants(t.status())) {
        out.println("    log tail:");
        for (String line : t.logTail().strip().split("\n")) out.println("      | " + line);
      }
    }
    out.println();
    out.println("(from history: " + location + h.dir() + ")");
  }

  private static String counts(RunRecord r) {
    return r.counts().entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
  }

  private static String time(long ms) {
    return ms <= 0 ? "-" : TIME.format(Instant.ofEpochMilli(ms));
  }

  private static String duration(long ms) {
    if (ms < 0) return "";
    if (ms < 60_000) return String.format("%.1fs", ms / 1000.0);
    return String.format("%dm%02ds", ms / 60_000, ms / 1000 % 60);
  }
}
