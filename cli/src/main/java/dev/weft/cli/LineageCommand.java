package dev.weft.cli;

import dev.weft.sink.HistoryStore;
import dev.weft.sink.lineage.DatasetName;
import dev.weft.sink.lineage.LineageQuery;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;

/**
 * {@code weft lineage DATASET [--json] [--pipeline P] [--since DATE] [--history URI]}: the attempts that wrote, read
 * or found present a dataset ({@code s3://bucket/key} or a path), from the completion sink's history
 * ({@link LineageQuery}), so it answers whatever the lineage destination is. Relative paths resolve against the
 * working directory, as the executors of {@code weft run} and {@code weft dev} resolve them.
 */
final class LineageCommand {
  static final Set<String> OPTIONS = Set.of("history", "pipeline", "since", "json");

  private LineageCommand() {}

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    a.allow(OPTIONS);
    String dataset = a.positional(0, "the dataset: s3://bucket/key, s3://bucket/prefix/ or a path");
    Path cwd = Path.of("").toAbsolutePath();
    DatasetName name;
    try {
      name = DatasetName.of(dataset, cwd);
    } catch (IllegalArgumentException e) {
      throw new Args.UsageException("DATASET: " + e.getMessage());
    }
    LocalDate since;
    try {
      String s = a.option("since", null, null);
      since = s == null ? null : LocalDate.parse(s);
    } catch (DateTimeParseException e) {
      throw new Args.UsageException("--since takes a date like 2026-12-01, not " + e.getParsedString());
    }
    try (HistoryStore store = HistoryCommand.open(a)) {
      List<LineageQuery.Use> uses;
      try {
        uses = new LineageQuery(store, cwd).uses(dataset, a.option("pipeline", null, null), since);
      } catch (IOException e) {
        err.println("weft: cannot read history at " + store.location() + ": " + e.getMessage());
        return Weft.UNAVAILABLE;
      }
      if (a.flag("json")) {
        out.println(Weft.JSON.writeValueAsString(new JsonAnswer(name.namespace(), name.name(), uses)));
      } else {
        print(name, uses, store.location(), out);
      }
      return Weft.OK;
    }
  }

  /** The dataset as OpenLineage names it, and its uses. */
  record JsonAnswer(String namespace, String name, List<LineageQuery.Use> uses) {}

  private static void print(DatasetName name, List<LineageQuery.Use> uses, String location, PrintStream out) {
    out.println("dataset " + name + "  (OpenLineage namespace " + name.namespace() + ", name " + name.name() + ")");
    if (uses.isEmpty()) {
      out.println("no attempt in the history at " + location + " wrote or read it");
      return;
    }
    out.printf("%-14s %-24s %-40s %-20s %-10s %s%n", "ROLE", "STARTED", "RUN", "TASK", "STATUS", "ATTEMPT");
    for (LineageQuery.Use u : uses) {
      out.printf("%-14s %-24s %-40s %-20s %-10s %d%n", u.role(), u.startedAtMs() > 0
          ? Instant.ofEpochMilli(u.startedAtMs()).toString() : "-", u.runId(), u.taskId(), u.status(), u.attempt());
    }
  }
}
