package dev.weft.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * A pipeline's {@code schedule:} as the user writes it: a cron expression read in a time zone, whether slots missed
 * while the coordinator was down are all run ({@code catchup}), how many of its runs may be active at once, and the
 * parameters each run gets, templated from its slot ({@link CronSchedule#params}). {@link CronSchedule#problems}
 * validates it; the defaults are below.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScheduleSpec(String cron, String timezone, Boolean catchup, Integer maxActiveRuns,
    Map<String, String> params) {
  /** Without {@code timezone}: UTC, where every day has 24 hours. */
  public static final String DEFAULT_TIMEZONE = "UTC";

  public ScheduleSpec {
    params = params == null ? Map.of() : Map.copyOf(params);
  }

  /** Without {@code catchup}: only the latest missed slot runs (Airflow 3's default; a backfill runs the others). */
  public boolean catchupOrDefault() {
    return catchup != null && catchup;
  }

  public int maxActiveRunsOrDefault() {
    return maxActiveRuns == null ? 1 : maxActiveRuns;
  }

  public String timezoneOrDefault() {
    return timezone == null ? DEFAULT_TIMEZONE : timezone;
  }
}
