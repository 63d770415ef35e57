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
    return attempt(RunEventKind.ATTEMPT_STARTED, state, run, task, atMs)
        .setTaskStatus(TaskStatus.RUNNING)
        .setStartedAtMs(task.getStartedAtMs())
        .build();
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
    return attempt(RunEventKind.ATTEMPT_ENDED, state, run, task, atMs)
        .setTaskStatus(end.outcome())
        // An attempt that never started ran from its dispatch, as far as anyone can tell.
        .setStartedAtMs(task.getStartedAtMs() > 0 ? task.getStartedAtMs() : task.getDispatchedAtMs())
        .setFinishedAtMs(atMs)
        .setExitCode(end.exitCode())
        .setFailureKind(end.failure())
        .setReason(end.reason())
        .setLogTail(Outputs.boundedTail(end.logTail()))
        .setHandle(task.getHandle())
        .setTrackingUrl(task.getTrackingUrl())
        .setRetrying(end.retrying())
        .build();
  }

  private static RunEvent.Builder attempt(RunEventKind kind, CoordinatorState state, RunState run, TaskState task,
      long atMs) {
    return RunEvent.newBuilder()
        .setKind(kind)
        .setRunId(task.getRunId())
        .setAtMs(atMs)
        .setPipeline(run.getPipeline())
        .setTaskId(task.getTaskId())
        .setAttempt(task.getAttempt())
        .setExecutor(task.getExecutor())
        .setSource(task.getSource())
        .setOutputs(TaskDatasets.outputs(task))
        .setInputs(TaskDatasets.inputs(state, task))
        .setRunAcceptedAtMs(run.getAcceptedAtMs());
  }
}
