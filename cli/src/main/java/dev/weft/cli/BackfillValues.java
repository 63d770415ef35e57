package dev.weft.cli;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values of {@code --range P=FROM..TO [--step S]}, both ends included: ISO dates stepped by days ({@code 1d},
 * {@code 7d}), or whole numbers stepped by a whole number. The CLI expands the range so that the request on the log
 * lists every value, and the coordinator needs no calendar arithmetic.
 */
record BackfillValues(String param, List<String> values) {
  static final int MAX_VALUES = 10_000;
  private static final Pattern RANGE = Pattern.compile("([A-Za-z0-9_.-]+)=(.+)\\.\\.(.+)");
  private static final Pattern DAYS = Pattern.compile("(\\d+)d");

  static BackfillValues parse(String range, String step) {
    Matcher m = RANGE.matcher(range);
    if (!m.matches()) throw new UsageException("--range takes NAME=FROM..TO, e.g. date=2026-11-01..2026-11-30, not '" + range + "'");
    String from = m.group(2), to = m.group(3);
    List<String> values = new ArrayList<>();
    try {
      LocalDate first = LocalDate.parse(from), last = LocalDate.parse(to);
      Matcher days = DAYS.matcher(step == null ? "1d" : step);
      if (!days.matches() || Integer.parseInt(days.group(1)) < 1) {
        throw new UsageException("--step for dates takes days, e.g. 1d or 7d, not '" + step + "'");
      }
      for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(Integer.parseInt(days.group(1)))) {
        values.add(d.toString());
        if (values.size() > MAX_VALUES) break;
      }
    } catch (DateTimeParseException notDates) {
      try {
        long first = Long.parseLong(from), last = Long.parseLong(to), by = step == null ? 1 : Long.parseLong(step);
        if (by < 1) throw new UsageException("--step must be 1 or more");
        for (long n = first; n <= last && values.size() <= MAX_VALUES; n += by) values.add(Long.toString(n));
      } catch (NumberFormatException e) {
        throw new UsageException("--range takes two ISO dates (2026-11-01..2026-11-30) or two whole numbers, "
            + "not '" + from + ".." + to + "'" + (step == null ? "" : " (with --step " + step + ")"));
      }
    }
    if (values.isEmpty()) throw new UsageException("--range " + range + " has no values: FROM is after TO");
    if (values.size() > MAX_VALUES) throw new UsageException("--range has more than " + MAX_VALUES + " values");
    return new BackfillValues(m.group(1), values);
  }
}
