package dev.weft.sink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The days under one pipeline's directory ({@code runs/{pipeline}/{yyyy}/{mm}/{dd}/}), newest first, listed lazily:
 * a month's days are listed only when the walk reaches that month, and years and months outside
 * {@code [since, until]} are never listed. A listing that stops early costs a few LISTs, whatever the history's age.
 */
final class DatePartitions implements Iterator<LocalDate> {
  private final HistoryStore store;
  private final String pipelineDir;
  private final LocalDate since;
  private final LocalDate until;
  private final Deque<Integer> years = new ArrayDeque<>();
  private final Deque<Integer> months = new ArrayDeque<>();
  private final Deque<LocalDate> days = new ArrayDeque<>();
  private int year;

  /** @param since the oldest day wanted, or null; @param until the newest, or null */
  DatePartitions(HistoryStore store, String pipelineDir, LocalDate since, LocalDate until) {
    this.store = store;
    this.pipelineDir = pipelineDir;
    this.since = since;
    this.until = until;
    for (int y : numbersDescending(pipelineDir)) {
      if ((since == null || y >= since.getYear()) && (until == null || y <= until.getYear())) years.add(y);
    }
  }

  @Override
  public boolean hasNext() {
    while (days.isEmpty()) {
      if (months.isEmpty()) {
        if (years.isEmpty()) return false;
        year = years.poll();
        for (int m : numbersDescending(pipelineDir + String.format("%04d/", year))) {
          LocalDate first = LocalDate.of(year, Math.max(1, Math.min(12, m)), 1);
          if ((since == null || !first.plusMonths(1).minusDays(1).isBefore(since))
              && (until == null || !first.isAfter(until))) {
            months.add(m);
          }
        }
        continue;
      }
      int month = months.poll();
      for (int d : numbersDescending(pipelineDir + String.format("%04d/%02d/", year, month))) {
        LocalDate day;
        try {
          day = LocalDate.of(year, month, d);
        } catch (java.time.DateTimeException e) {
          continue; // not a directory the sink made
        }
        if ((since == null || !day.isBefore(since)) && (until == null || !day.isAfter(until))) days.add(day);
      }
    }
    return true;
  }

  @Override
  public LocalDate next() {
    if (!hasNext()) throw new NoSuchElementException();
    return days.poll();
  }

  /** The numeric child directories of {@code prefix}, largest first; anything else is not the sink's and is skipped. */
  private List<Integer> numbersDescending(String prefix) {
    try {
      return store.list(prefix).directories().stream()
          .map(d -> d.substring(prefix.length(), d.length() - 1))
          .filter(s -> s.matches("[0-9]{1,4}"))
          .map(Integer::parseInt)
          .sorted((a, b) -> Integer.compare(b, a))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
