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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft lineage DATASET}: the attempts that wrote, read or found present a dataset ({@code s3://bucket/key} or a
 * path), from the completion sink's history ({@link LineageQuery}), so it answers whatever the lineage destination
 * is. Relative paths resolve against the working directory, as the executors of {@code weft run} and
 * {@code weft dev} resolve them.
 */
@Command(name = "lineage", mixinStandardHelpOptions = true,
    description = "Which attempts wrote or read a dataset (s3://bucket/key or a path), from history.")
final class LineageCommand implements Callable<Integer> {
  private final CommandOutput output;

  @Parameters(index = "0", paramLabel = "DATASET", description = "s3://bucket/key, s3://bucket/prefix/ or a path")
  String dataset;

  @Option(names = "--pipeline", paramLabel = "NAME", description = "only this pipeline's attempts")
  String pipeline;

  @Option(names = "--since", paramLabel = "DATE", description = "only attempts on or after this day (2026-12-01)")
  String since;

  @Option(names = "--json", description = "print as JSON")
  boolean json;

  @Mixin
  HistoryLocationOption history;

  LineageCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws Exception {
    Path cwd = Path.of("").toAbsolutePath();
    DatasetName name;
    try {
      name = DatasetName.of(dataset, cwd);
    } catch (IllegalArgumentException e) {
      throw new UsageException("DATASET: " + e.getMessage());
    }
    LocalDate sinceDay;
    try {
      sinceDay = since == null ? null : LocalDate.parse(since);
    } catch (DateTimeParseException e) {
      throw new UsageException("--since takes a date like 2026-12-01, not " + e.getParsedString());
    }
    try (HistoryStore store = history.open()) {
      List<LineageQuery.Use> uses;
      try {
        uses = new LineageQuery(store, cwd).uses(dataset, pipeline, sinceDay);
      } catch (IOException e) {
        output.err().println("weft: cannot read history at " + store.location() + ": " + e.getMessage());
        return Weft.UNAVAILABLE;
      }
      if (json) {
        output.out().println(Weft.JSON.writeValueAsString(new JsonAnswer(name.namespace(), name.name(), uses)));
      } else {
        print(name, uses, store.location(), output.out());
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
