package dev.weft.coordinator.state;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Predicate;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * A page of the run list, newest first, read from the run index ({@code StateKeys.runIndex}): the next keys after a
 * cursor, never a scan of every run. An instance holds one index per partition it owns, each in time order, so the
 * page merges their iterators and stops after {@code limit} matching entries.
 *
 * <p>A filter (pipeline, status) is checked on the index entry, so a page reads no run it does not show. A rare
 * filter could still walk far: the walk stops after {@link #MAX_SCANNED} entries and the page's cursor says where to
 * go on, so one request never costs more than that.
 *
 * <p>The cursor is {@code <acceptedAtMs>/<runId>} of the last entry walked; {@code <acceptedAtMs>} alone means "runs
 * accepted before then".
 */
public final class RunIndexPages {
  /** The most index entries one page walks, matching or not. */
  public static final int MAX_SCANNED = 10_000;

  /** @param nextBefore the cursor of the next page, or null when there is none */
  public record Page(List<RunIndexEntry> entries, String nextBefore) {}

  private RunIndexPages() {}

  /**
   * @param partitions the run index of each partition this instance owns
   * @param before a cursor ({@code <acceptedAtMs>/<runId>} or {@code <acceptedAtMs>}), or null for the newest runs
   * @throws IllegalArgumentException when {@code before} is not a cursor
   */
  public static Page newestFirst(List<? extends ReadOnlyKeyValueStore<String, RunIndexEntry>> partitions, String before,
      int limit, Predicate<RunIndexEntry> filter) {
    String from = null;
    String exclusive = null;
    if (before != null && !before.isEmpty()) {
      int slash = before.indexOf('/');
      long at = acceptedAt(slash < 0 ? before : before.substring(0, slash), before);
      if (slash < 0) {
        from = StateKeys.runIndexBefore(at);
      } else {
        from = StateKeys.runIndex(at, before.substring(slash + 1));
        exclusive = from;
      }
    }
    PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> a.entry.key.compareTo(b.entry.key));
    List<KeyValueIterator<String, RunIndexEntry>> open = new ArrayList<>();
    try {
      for (ReadOnlyKeyValueStore<String, RunIndexEntry> p : partitions) {
        KeyValueIterator<String, RunIndexEntry> it = p.range(from, null);
        open.add(it);
        Head h = Head.next(it, exclusive);
        if (h != null) heads.add(h);
      }
      List<RunIndexEntry> out = new ArrayList<>();
      int scanned = 0;
      RunIndexEntry last = null;
      while (!heads.isEmpty() && out.size() < limit && scanned < MAX_SCANNED) {
        Head h = heads.poll();
        last = h.entry.value;
        scanned++;
        if (filter.test(last)) out.add(last);
        Head n = Head.next(h.it, exclusive);
        if (n != null) heads.add(n);
      }
      String next = heads.isEmpty() || last == null ? null : last.getAcceptedAtMs() + "/" + last.getRunId();
      return new Page(out, next);
    } finally {
      open.forEach(KeyValueIterator::close);
    }
  }

  private static long acceptedAt(String digits, String cursor) {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + cursor + "' is not a run list cursor: expected <acceptedAtMs>/<runId> "
          + "(as a page's next cursor says) or <acceptedAtMs>");
    }
  }

  private record Head(KeyValue<String, RunIndexEntry> entry, KeyValueIterator<String, RunIndexEntry> it) {
    static Head next(KeyValueIterator<String, RunIndexEntry> it, String skip) {
      while (it.hasNext()) {
        KeyValue<String, RunIndexEntry> kv = it.next();
        if (kv.value != null && !kv.key.equals(skip)) return new Head(kv, it);
      }
      return null;
    }
  }
}
