package dev.weft.cli;

import dev.weft.sink.HistoryReader;
import dev.weft.sink.HistoryStore;
import dev.weft.sink.HistoryStores;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code weft history [--pipeline P] [--since DATE] [--status S] [--limit N] [--before T] [--json]}: finished runs,
 * newest first, a page at a time, from what the completion sink wrote; {@code weft history RUN [--json]}: one run
 * with every task and attempt. Reads the history directly ({@code --history}), so it needs no running Weft.
 */
final class HistoryCommand {
  static final Set<String> OPTIONS = Set.of("history", "pipeline", "since", "status", "limit", "before", "json");
  static final String DEFAULT_LOCATION = ".weft/dev/history";
  private static final Set<String> STATUSES = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "REJECTED");

  private HistoryCommand() {}

  /** {@code --history}, {@code WEFT_HISTORY}, or {@code weft dev}'s default. */
  static String location(Args a) {
    return a.option("history", "WEFT_HISTORY", DEFAULT_LOCATION);
  }

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    a.allow(OPTIONS);
    try (HistoryStore store = open(a)) {
      HistoryReader reader = new HistoryReader(store);
      if (!a.positionals().isEmpty()) return showRun(reader, store, a.positional(0, "the run id"), a.flag("json"), out,
          err);
      HistoryReader.Query q = query(a);
      HistoryReader.Page page;
      try {
        page = reader.list(q);
      } catch (IOException e) {
        err.println("weft: cannot read history at " + store.location() + ": " + e.getMessage());
        return Weft.UNAVAILABLE;
      }
      if (a.flag("json")) {
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

  static HistoryStore open(Args a) {
    try {
      return HistoryStores.open(location(a));
    } catch (IllegalArgumentException e) {
      throw new Args.UsageException("--history: " + e.getMessage());
    }
  }

  private static HistoryReader.Query query(Args a) {
    String status = a.option("status", null, null);
    if (status != null) {
      status = status.toUpperCase(Locale.ROOT);
      if (!STATUSES.contains(status)) throw new Args.UsageException("--status is one of " + STATUSES + ", not " + status);
    }
    int limit = a.intOption("limit", 20);
    if (limit < 1) throw new Args.UsageException("--limit takes a number of runs of at least 1");
    String since = a.option("since", null, null);
    String before = a.option("before", null, null);
    try {
      return new HistoryReader.Query(a.option("pipeline", null, null), since == null ? null : LocalDate.parse(since),
          before == null ? 0 : before.matches("[0-9]+") ? Long.parseLong(before) : Instant.parse(before).toEpochMilli(),
          status, limit);
    } catch (DateTimeParseException e) {
      throw new Args.UsageException("--since takes a date like 2026-12-01 and --before a time like "
          + "2026-12-01T10:15:30Z or the epoch milliseconds a previous page printed: " + e.getParsedString());
    }
  }
}
