package dev.weft.cli;

import dev.weft.sink.HistoryReader;
import dev.weft.sink.HistoryStore;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft history}: finished runs, newest first, a page at a time, from what the completion sink wrote;
 * {@code weft history RUN}: one run with every task and attempt. Reads the history directly ({@code --history}), so
 * it needs no running Weft.
 */
@Command(name = "history", mixinStandardHelpOptions = true,
    description = {"Finished runs, newest first, from the completion sink's history;",
        "with RUN, that run with every task and attempt."})
final class HistoryCommand implements Callable<Integer> {
  private static final Set<String> STATUSES = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "REJECTED");

  private final CommandOutput output;

  @Parameters(index = "0", arity = "0..1", paramLabel = "RUN", description = "show this run")
  String runId;

  @Option(names = "--pipeline", paramLabel = "NAME", description = "only this pipeline's runs")
  String pipeline;

  @Option(names = "--since", paramLabel = "DATE", description = "only runs accepted on or after this day (2026-12-01)")
  String since;

  @Option(names = "--status", paramLabel = "STATUS", description = "only SUCCEEDED, FAILED, CANCELLED or REJECTED runs")
  String status;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "runs per page (default ${DEFAULT-VALUE})")
  int limit;

  @Option(names = "--before", paramLabel = "TIME",
      description = "the next page: runs accepted before this time (2026-12-01T10:15:30Z, or the epoch milliseconds a "
          + "previous page printed)")
  String before;

  @Option(names = "--json", description = "print as JSON")
  boolean json;

  @Mixin
  HistoryLocationOption history;

  HistoryCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws Exception {
    PrintStream out = output.out();
    PrintStream err = output.err();
    HistoryReader.Query q = runId == null ? query() : null;
    try (HistoryStore store = history.open()) {
      HistoryReader reader = new HistoryReader(store);
      if (runId != null) return showRun(reader, store, runId, json, out, err);
      HistoryReader.Page page;
      try {
        page = reader.list(q);
      } catch (IOException e) {
        err.println("weft: cannot read history at " + store.location() + ": " + e.getMessage());
        return Weft.UNAVAILABLE;
      }
      if (json) {
        out.println(Weft.JSON.writeValueAsString(new JsonPage(page.runs(), page.more()
            ? page.runs().get(page.runs().size() - 1).acceptedAtMs() : null)));
      } else {
        HistoryReport.list(page, store.location(), out);
      }
      return Weft.OK;
    }
  }

  /** {@code nextBefore}: give it as {@code --before} for the next page; null on the last page. */
  record JsonPage(List<dev.weft.sink.RunRecord> runs, Long nextBefore) {}

  /** Also {@code weft status}'s fallback, for a run the coordinator no longer holds. */
  static int showRun(HistoryReader reader, HistoryStore store, String runId, boolean json, PrintStream out,
      PrintStream err) throws IOException {
    List<HistoryReader.RunHistory> found;
    try {
      found = reader.run(runId);
    } catch (IOException e) {
      err.println("weft: cannot read history at " + store.location() + ": " + e.getMessage());
      return Weft.UNAVAILABLE;
    }
    if (found.isEmpty()) {
      err.println("weft: no run '" + runId + "' in the history at " + store.location());
      return Weft.NOT_FOUND;
    }
    if (json) out.println(Weft.JSON.writeValueAsString(found.size() == 1 ? found.get(0) : found));
    else for (HistoryReader.RunHistory h : found) HistoryReport.run(h, store.location(), out);
    return Weft.OK;
  }

  private HistoryReader.Query query() {
    String s = status;
    if (s != null) {
      s = s.toUpperCase(Locale.ROOT);
      if (!STATUSES.contains(s)) throw new UsageException("--status is one of " + STATUSES + ", not " + s);
    }
    if (limit < 1) throw new UsageException("--limit takes a number of runs of at least 1");
    try {
      return new HistoryReader.Query(pipeline, since == null ? null : LocalDate.parse(since),
          before == null ? 0 : before.matches("[0-9]+") ? Long.parseLong(before) : Instant.parse(before).toEpochMilli(),
          s, limit);
    } catch (DateTimeParseException e) {
      throw new UsageException("--since takes a date like 2026-12-01 and --before a time like "
          + "2026-12-01T10:15:30Z or the epoch milliseconds a previous page printed: " + e.getParsedString());
    }
  }
}
