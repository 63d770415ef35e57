package dev.weft.coordinator.decide;

import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;

/**
 * The message a run's end sends to the backfill that started (or watches) it. The backfill lives under its own key,
 * most likely in another partition and another stream task, so the notice travels through the log: a
 * CHILD_RUN_FINISHED task event keyed by the backfill's id, written in the same transaction as the run's end.
 */
final class RunNotices {
  private RunNotices() {}

  /** @param status the run's RunStatus name (REJECTED when it never ran) */
  static TaskEvent childRunFinished(String watcherId, String runId, String status, long atMs) {
    return TaskEvent.newBuilder().setKind(TaskEventKind.CHILD_RUN_FINISHED).setRunId(watcherId).setTaskId(runId)
        .setAttempt(0).setAtMs(atMs).setSource("coordinator").setReason(status).build();
  }
}
