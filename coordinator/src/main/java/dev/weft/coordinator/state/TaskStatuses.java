package dev.weft.coordinator.state;

import dev.weft.avro.TaskStatus;
import java.util.EnumSet;
import java.util.Set;

/** Which task statuses end a task. */
public final class TaskStatuses {
  private static final Set<TaskStatus> TERMINAL = EnumSet.of(TaskStatus.SUCCEEDED, TaskStatus.SKIPPED,
      TaskStatus.FAILED, TaskStatus.TIMED_OUT, TaskStatus.UPSTREAM_FAILED, TaskStatus.CANCELLED);

  private TaskStatuses() {}

  public static boolean isTerminal(TaskStatus s) {
    return TERMINAL.contains(s);
  }

  public static boolean isTerminal(String s) {
    return isTerminal(TaskStatus.valueOf(s));
  }

  /** A dependant may run after a dependency that ended this way. */
  public static boolean satisfiesDependants(TaskStatus s) {
    return s == TaskStatus.SUCCEEDED || s == TaskStatus.SKIPPED;
  }

  /** As {@link #satisfiesDependants(TaskStatus)}, for a status as the API, history and run events spell it. */
  public static boolean satisfiesDependants(String s) {
    return TaskStatus.SUCCEEDED.name().equals(s) || TaskStatus.SKIPPED.name().equals(s);
  }

  /** The attempt is out at an executor (dispatched or running). */
  public static boolean isLive(TaskStatus s) {
    return s == TaskStatus.DISPATCHED || s == TaskStatus.RUNNING;
  }
}
