package dev.weft.coordinator.state;

/**
 * The writable state; only the appliers hold one.
 *
 * <p>Values read through {@link CoordinatorState} are shared and must not be changed. An applier that changes a run
 * or a task takes it with {@link #runForUpdate} or {@link #taskForUpdate}, changes that copy and puts it back. A
 * copy is shallow: appliers replace a collection field with a new collection and never change one in place.
 */
public interface MutableCoordinatorState extends CoordinatorState {
  /** @return a copy of the run that the caller may change and then {@link #putRun}, or null when unknown */
  RunState runForUpdate(String runId);

  /** @return a copy of the task that the caller may change and then {@link #putTask}, or null when unknown */
  TaskState taskForUpdate(String runId, String taskId);

  void putRun(RunState run);

  void putTask(TaskState task);

  /** Sets how many of a PENDING task's dependencies have been met since its record was written whole. */
  void putDependenciesMet(String runId, String taskId, int met);

  /** Forgets the count beside the task: it was folded into the record, or the task is deleted. */
  void deleteDependenciesMet(String runId, String taskId);

  void putTimer(TimerEntry timer);

  void deleteTimer(TimerEntry timer);

  /** Puts the run's entry in the time-ordered run index (a new one, or its new status). */
  void putRunIndex(RunIndexEntry entry);

  void deleteRunIndex(RunIndexEntry entry);

  void deleteRun(String runId);

  void deleteTask(String runId, String taskId);

  void putRunSpec(RunSpec spec);

  void deleteRunSpec(String runId);

  /** Puts a backfill; unlike runs and tasks, a backfill is always put whole as a new object (see EventApplier). */
  void putBackfill(BackfillState backfill);

  /** Puts a schedule; like a backfill, always a new object put whole. */
  void putSchedule(ScheduleState schedule);

  void deleteSchedule(String name);
}
