package dev.weft.coordinator.decide;

import dev.weft.avro.FailureKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;

/**
 * Builds ATTEMPT_STARTED and ATTEMPT_ENDED run events from the task's state once the decision's event was applied.
 * They make every attempt visible to readers of run-events (the completion sink, lineage), where TASK_FINISHED
 * tells only how a task ended.
 */
final class AttemptEvents {
  private AttemptEvents() {}

  static RunEvent started(CoordinatorState state, RunState run, TaskState task, long atMs) {
    RunEvent e = attempt(RunEventKind.ATTEMPT_STARTED, state, run, task, atMs);
    e.setTaskStatus(TaskStatus.RUNNING);
    e.setStartedAtMs(task.getStartedAtMs());
    return e;
  }

  /**
   * How one attempt ended, as the decider saw it (not read back from the task, which keeps the last failure and log
   * tail of earlier attempts).
   *
   * @param outcome  SUCCEEDED, SKIPPED, FAILED, TIMED_OUT or CANCELLED
   * @param failure  why it did not succeed; null when it did
   * @param retrying the task will be tried again
   */
  record End(TaskStatus outcome, FailureKind failure, Integer exitCode, String reason, String logTail,
      boolean retrying) {}

  static RunEvent ended(CoordinatorState state, RunState run, TaskState task, End end, long atMs) {
    RunEvent e = attempt(RunEventKind.ATTEMPT_ENDED, state, run, task, atMs);
    e.setTaskStatus(end.outcome());
    // An attempt that never started ran from its dispatch, as far as anyone can tell.
    e.setStartedAtMs(task.getStartedAtMs() > 0 ? task.getStartedAtMs() : task.getDispatchedAtMs());
    e.setFinishedAtMs(atMs);
    e.setExitCode(end.exitCode());
    e.setFailureKind(end.failure());
    e.setReason(end.reason());
    e.setLogTail(Outputs.boundedTail(end.logTail()));
    e.setHandle(task.getHandle());
    e.setTrackingUrl(task.getTrackingUrl());
    e.setRetrying(end.retrying());
    return e;
  }

  private static RunEvent attempt(RunEventKind kind, CoordinatorState state, RunState run, TaskState task,
      long atMs) {
    RunEvent e = RunEvents.aboutTask(kind, state, run, task, atMs);
    e.setSource(task.getSource());
    return e;
  }
}
