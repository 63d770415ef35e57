package dev.weft.coordinator.state;

import java.util.List;

/**
 * Read-only view of the coordinator's state, what deciders get. Values returned must not be modified: only
 * {@link MutableCoordinatorState} (used by the appliers) writes.
 */
public interface CoordinatorState {
  /** @return the run, or null when unknown */
  RunState run(String runId);

  /** @return the task, or null when unknown */
  TaskState task(String runId, String taskId);

  /**
   * How many of the task's dependencies have been met since its record was last written whole: counted apart from
   * the record ({@code KeyValueCoordinatorState}), 0 when none.
   */
  int dependenciesMet(String runId, String taskId);

  /** The task's dependencies not met yet: the count its record holds, less those met since. */
  default int unmetDependencies(TaskState task) {
    // A record that counts none unmet has no count beside it either: skip the read.
    if (task.getUnmetDeps() == 0) return 0;
    return task.getUnmetDeps() - dependenciesMet(task.getRunId(), task.getTaskId());
  }

  /** Every task of a run (a prefix scan of the task store), for status queries and cancellation. */
  List<TaskState> tasksOf(String runId);

  /** The first {@code limit} tasks of a run by key: a slice of a run too large for one decision. */
  List<TaskState> tasksOf(String runId, int limit);

  /** Timers due at or before {@code nowMs}, earliest first, at most {@code limit}. */
  List<TimerEntry> dueTimers(long nowMs, int limit);

  /** @return the spec the run was submitted with, or null (unknown run, or accepted before specs were kept) */
  RunSpec runSpec(String runId);

  /** @return the backfill, or null when unknown */
  BackfillState backfill(String backfillId);

  /** @return the schedule, or null when unknown (never applied, or deleted) */
  ScheduleState schedule(String name);
}
