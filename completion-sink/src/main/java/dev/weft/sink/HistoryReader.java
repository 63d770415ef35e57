package dev.weft.sink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * Reads what the sink wrote: a page of runs, newest first, and one run with its tasks and attempts. Listing walks
 * the day partitions newest first ({@link DatePartitions}), reads each day's run records, and stops once the page is
 * full; it never lists the objects of a day it does not show.
 */
public final class HistoryReader {
  private final HistoryStore store;

  public HistoryReader(HistoryStore store) {
    this.store = store;
  }

  /**
   * @param pipeline only this pipeline, or null for all
   * @param since    only runs accepted on or after this day (UTC), or null
   * @param beforeMs only runs accepted before this time (the previous page's last), or 0
   * @param status   only runs that ended so (a RunStatus name, or REJECTED), or null
   */
  public record Query(String pipeline, LocalDate since, long beforeMs, String status, int limit) {}

  /** @param more whether older runs may follow: ask again with {@code beforeMs} = the last run's acceptance time */
  public record Page(List<RunRecord> runs, boolean more) {}

  /** One run as history holds it; {@code run} is null while the run has not ended (its tasks may be there). */
  public record RunHistory(String dir, RunRecord run, List<RunRecord> rejections, List<TaskRecord> tasks,
      List<AttemptRecord> attempts) {}

  public Page list(Query q) throws IOException {
    LocalDate until = q.beforeMs() > 0 ? HistoryKeys.day(q.beforeMs()) : null;
    List<String> pipelineDirs = q.pipeline() != null ? List.of(HistoryKeys.pipelineDir(q.pipeline()))
        : store.list(HistoryKeys.RUNS).directories();
    record Cursor(LocalDate day, String pipelineDir, DatePartitions rest) {}
    PriorityQueue<Cursor> newest = new PriorityQueue<>(Comparator.comparing(Cursor::day).reversed());
    try {
      for (String dir : pipelineDirs) {
        DatePartitions days = new DatePartitions(store, dir, q.since(), until);
        if (days.hasNext()) newest.add(new Cursor(days.next(), dir, days));
      }
      List<RunRecord> page = new ArrayList<>();
      while (!newest.isEmpty()) {
        LocalDate day = newest.peek().day();
        List<RunRecord> ofDay = new ArrayList<>();
        while (!newest.isEmpty() && newest.peek().day().equals(day)) {
          Cursor c = newest.poll();
          ofDay.addAll(runsOf(c.pipelineDir() + HistoryKeys.datePath(day) + "/", q));
          if (c.rest().hasNext()) newest.add(new Cursor(c.rest().next(), c.pipelineDir(), c.rest()));
        }
        ofDay.sort(Comparator.comparingLong(RunRecord::acceptedAtMs).reversed().thenComparing(RunRecord::runId));
        for (RunRecord r : ofDay) {
          if (page.size() == q.limit()) return new Page(page, true);
          page.add(r);
        }
      }
      return new Page(page, false);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** The run records of one day directory that match the query: run.json, or for a rejected run its newest record. */
  private List<RunRecord> runsOf(String dayDir, Query q) throws IOException {
    List<RunRecord> out = new ArrayList<>();
    for (String runDir : store.list(dayDir).directories()) {
      Optional<RunRecord> r = read(HistoryKeys.runRecord(runDir), RunRecord.class);
      if (r.isEmpty()) {
        List<String> rejected = store.list(runDir).objects().stream()
            .filter(k -> k.substring(runDir.length()).startsWith(HistoryKeys.REJECTED_PREFIX)).toList();
        if (!rejected.isEmpty()) r = read(rejected.get(rejected.size() - 1), RunRecord.class);
      }
      if (r.isEmpty()) continue; // still running: it is listed once it ended
      RunRecord run = r.get();
      if (q.beforeMs() > 0 && run.acceptedAtMs() >= q.beforeMs()) continue;
      if (q.status() != null && !q.status().equalsIgnoreCase(run.status())) continue;
      out.add(run);
    }
    return out;
  }

  /** Every place the run id has records, found through its pointers; the accepted run's first. */
  public List<RunHistory> run(String runId) throws IOException {
    List<RunHistory> out = new ArrayList<>();
    for (String pointerKey : store.listAll(HistoryKeys.idDir(runId))) {
      Optional<RunPointer> pointer = read(pointerKey, RunPointer.class);
      if (pointer.isEmpty()) continue;
      out.add(runAt(pointer.get().dir()));
    }
    out.sort(Comparator.comparing((RunHistory h) -> h.run() == null && !h.rejections().isEmpty()));
    return out;
  }

  private RunHistory runAt(String dir) throws IOException {
    RunRecord run = null;
    List<RunRecord> rejections = new ArrayList<>();
    List<TaskRecord> tasks = new ArrayList<>();
    List<AttemptRecord> attempts = new ArrayList<>();
    for (String key : store.listAll(dir)) {
      String name = key.substring(dir.length());
      if (name.equals(HistoryKeys.RUN_RECORD)) run = read(key, RunRecord.class).orElse(null);
      else if (name.startsWith(HistoryKeys.REJECTED_PREFIX)) read(key, RunRecord.class).ifPresent(rejections::add);
      else if (name.startsWith(HistoryKeys.TASKS)) read(key, TaskRecord.class).ifPresent(tasks::add);
      else if (name.startsWith(HistoryKeys.ATTEMPTS)) read(key, AttemptRecord.class).ifPresent(attempts::add);
    }
    tasks.sort(Comparator.comparingLong(TaskRecord::startedAtMs).thenComparing(TaskRecord::taskId));
    attempts.sort(Comparator.comparing(AttemptRecord::taskId).thenComparingInt(AttemptRecord::attempt));
    return new RunHistory(dir, run, rejections, tasks, attempts);
  }

  private <T> Optional<T> read(String key, Class<T> type) throws IOException {
    Optional<byte[]> body = store.read(key);
    if (body.isEmpty()) return Optional.empty();
    try {
      return Optional.of(HistoryRecords.JSON.readValue(body.get(), type));
    } catch (IOException e) {
      throw new IOException("history object " + store.location() + key + " is not a " + type.getSimpleName() + ": "
          + e.getMessage(), e);
    }
  }
}
