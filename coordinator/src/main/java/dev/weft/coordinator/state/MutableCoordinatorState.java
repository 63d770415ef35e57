package dev.weft.coordinator.state;

/** The writable state; only the appliers hold one. */
public interface MutableCoordinatorState extends CoordinatorState {
  void putRun(RunState run);

  void putTask(TaskState task);

  void putTimer(TimerEntry timer);

  void deleteTimer(TimerEntry timer);
}
