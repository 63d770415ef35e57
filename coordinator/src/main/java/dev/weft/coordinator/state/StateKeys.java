package dev.weft.coordinator.state;

/**
 * Store keys. Task keys are {@code runId/taskId}, so a run's tasks are one prefix scan. Timer keys start with the
 * zero-padded due time, so the store's byte order is time order and firing due timers is a range scan, never a
 * rescan of pending tasks.
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
    String digits = Long.toString(Math.max(0, dueAtMs));
    return "0".repeat(19 - digits.length()) + digits;
  }
}
