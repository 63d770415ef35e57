package dev.weft.executor;

import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.executor.backend.AttemptFiles;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.RunningAttempt;

/**
 * The task events an executor instance writes, stamped with its instance id as their source. Pure: the time is
 * passed in, and reasons and tails are capped here ({@link Texts}), so no event grows past its bounds.
 */
final class AttemptEvents {
  private final String instanceId;

  AttemptEvents(String instanceId) {
    this.instanceId = instanceId;
  }

  String instanceId() {
    return instanceId;
  }

  TaskEvent.Builder event(TaskEventKind kind, AttemptId id, long now) {
    return TaskEvent.newBuilder().setKind(kind).setRunId(id.runId()).setTaskId(id.taskId()).setAttempt(id.attempt())
        .setAtMs(now).setSource(instanceId);
  }

  TaskEvent.Builder failed(AttemptId id, long now, FailureKind kind, Integer exitCode, String reason, String logTail) {
    return event(TaskEventKind.FAILED, id, now).setFailureKind(kind).setExitCode(exitCode)
        .setReason(Texts.head(reason, Texts.MAX_REASON_BYTES)).setLogTail(Texts.tail(logTail, Texts.MAX_LOG_TAIL_BYTES));
  }

  TaskEvent started(AttemptId id, long now) {
    return event(TaskEventKind.STARTED, id, now).build();
  }

  TaskEvent skipped(AttemptId id, long now, String reason) {
    return event(TaskEventKind.SKIPPED, id, now).setReason(Texts.head(reason, Texts.MAX_REASON_BYTES)).build();
  }

  TaskEvent cancelled(AttemptId id, long now, String reason) {
    return event(TaskEventKind.CANCELLED, id, now).setFailureKind(FailureKind.CANCELLED)
        .setReason(Texts.head(reason, Texts.MAX_REASON_BYTES)).build();
  }

  /** @param running null while the attempt still launches: a heartbeat without a handle */
  TaskEvent heartbeat(AttemptId id, long now, RunningAttempt running) {
    return event(TaskEventKind.HEARTBEAT, id, now).setHandle(running == null ? null : running.handle())
        .setPhase(running == null ? null : running.phase()).build();
  }

  TaskEvent trackingUrl(AttemptId id, long now, String url) {
    return event(TaskEventKind.TRACKING_URL, id, now).setTrackingUrl(url).build();
  }

  TaskEvent spawned(AttemptId id, long now, String spawnedJson) {
    return event(TaskEventKind.SPAWNED, id, now).setSpawnedJson(spawnedJson).build();
  }

  /**
   * The work exited by itself, successfully or with an exit code: what it spawned counts (Luigi schedules the
   * requirements a task yielded even when it then fails). Work that was stopped may have left a half-written file.
   */
  static boolean endedByItself(Attempt a, AttemptOutcome o) {
    return !a.stopped() && (o.succeeded() || o.failureKind() == FailureKind.EXIT_CODE);
  }

  /** The event that reports how an attempt ended: what stopped it, if anything did, decides its kind and reason. */
  TaskEvent outcome(Attempt a, AttemptOutcome o, AttemptFiles.Collected files, long now) {
    String tail = Texts.tail(o.logTail() == null || o.logTail().isEmpty() ? null : o.logTail(), Texts.MAX_LOG_TAIL_BYTES);
    if (o.succeeded() && files.problem() != null) {
      return failed(a.id, now, FailureKind.INVALID_SPEC, o.exitCode(), files.problem(), tail).build();
    }
    if (o.succeeded()) {
      return event(TaskEventKind.SUCCEEDED, a.id, now).setExitCode(o.exitCode()).setLogTail(tail)
          .setResultJson(files.resultJson()).build();
    }
    if (a.fencedAfterMs > 0) {
      return failed(a.id, now, FailureKind.LOST, o.exitCode(), "executor " + instanceId
          + " lost contact with Kafka for " + a.fencedAfterMs + " ms (no heartbeat committed; its lease is "
          + AttemptLeases.leaseMs(a.heartbeatTimeoutMs) + " ms) and stopped the attempt; it may be retried", tail).build();
    }
    if (a.timedOut) {
      // The backend's reason, when it says more than the stop it was given ("cancelled: timed out after 2s").
      String timedOut = "timed out after " + a.timeoutText();
      String said = o.reason() == null || o.reason().isBlank() || o.reason().contains(timedOut) ? ""
          : " (" + o.reason() + ")";
      return failed(a.id, now, FailureKind.TIMED_OUT, o.exitCode(), timedOut + " and was cancelled" + said, tail)
          .build();
    }
    if (a.shutdown) {
      return failed(a.id, now, FailureKind.LOST, o.exitCode(),
          "executor " + instanceId + " shut down while the attempt ran; it was cancelled and may be retried", tail).build();
    }
    if (a.cancelReason != null) {
      return event(TaskEventKind.CANCELLED, a.id, now).setExitCode(o.exitCode()).setFailureKind(FailureKind.CANCELLED)
          .setReason(Texts.head(a.cancelReason, Texts.MAX_REASON_BYTES)).setLogTail(tail).build();
    }
    FailureKind kind = o.failureKind() == null ? FailureKind.OTHER : o.failureKind();
    return failed(a.id, now, kind, o.exitCode(), o.reason(), tail).build();
  }
}
