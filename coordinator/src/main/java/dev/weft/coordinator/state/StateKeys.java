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
    return String.format("%019d", Math.max(0, dueAtMs));
  }
}
