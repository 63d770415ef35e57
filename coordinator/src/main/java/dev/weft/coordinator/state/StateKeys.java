package dev.weft.coordinator.state;

/**
 * Store keys. Task keys are {@code runId/taskId}, so a run's tasks are one prefix scan. Timer keys start with the
 * zero-padded due time, so the store's byte order is time order and firing due timers is a range scan, never a
 * rescan of pending tasks. Run index keys start with the zero-padded <em>inverted</em> accepted time, so the store's
 * byte order is newest first and a page of the run list is the next {@code limit} keys, never a scan of every run.
 */
public final class StateKeys {
  private StateKeys() {}

  public static String task(String runId, String taskId) {
    return runId + "/" + taskId;
  }

  public static String taskPrefix(String runId) {
    return runId + "/";
  }

  public static String timer(TimerEntry t) {
    return timerPrefix(t.getDueAtMs()) + "|" + t.getKind() + "|" + t.getRunId() + "/" + t.getTaskId() + "#" + t.getAttempt();
  }

  /** All timer keys due at or before {@code dueAtMs} sort before {@code timerPrefix(dueAtMs) + "|\uffff"}. */
  public static String timerPrefix(long dueAtMs) {
    // Zero-padded by hand: String.format was a measurable share of the fold (two timer keys per task).
    return padded(Math.max(0, dueAtMs));
  }

  /** The run's key in the run index: newest first, then by run id. */
  public static String runIndex(long acceptedAtMs, String runId) {
    return padded(Long.MAX_VALUE - Math.max(0, acceptedAtMs)) + "/" + runId;
  }

  /** The first run index key of runs accepted strictly before {@code acceptedAtMs}. */
  public static String runIndexBefore(long acceptedAtMs) {
    return padded(Long.MAX_VALUE - Math.max(1, acceptedAtMs) + 1);
  }

  /**
   * The key of a schedule on the topics (its requests, its SCHEDULE_DUE events, the notices of its runs' ends), which
   * puts it in one partition: {@code schedule:NAME}. A ':' is in no pipeline, run or backfill id, so the key names
   * nothing else. The schedules store itself is keyed by NAME.
   */
  public static String scheduleKey(String name) {
    return SCHEDULE_KEY_PREFIX + name;
  }

  /** @return the schedule's name, or null when {@code key} is not a schedule's key */
  public static String scheduleName(String key) {
    return key != null && key.startsWith(SCHEDULE_KEY_PREFIX) && key.length() > SCHEDULE_KEY_PREFIX.length()
        ? key.substring(SCHEDULE_KEY_PREFIX.length()) : null;
  }

  public static final String SCHEDULE_KEY_PREFIX = "schedule:";

  private static String padded(long n) {
    String digits = Long.toString(n);
    return "0".repeat(19 - digits.length()) + digits;
  }
}
