package dev.weft.coordinator.decide;

import dev.weft.avro.FailureKind;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.event.CoordinatorEvent.AttemptSeen;
import dev.weft.coordinator.event.CoordinatorEvent.AttemptStarted;
import dev.weft.coordinator.event.CoordinatorEvent.AttemptTimedOut;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import dev.weft.coordinator.state.TaskStatuses;

/**
 * Decides on task events from executors and on the coordinator's own time-based events. An event is acted on only
 * when it is about the task's current attempt and fits the task's status. A duplicate, or a late event from an
 * attempt already given up on, is ignored and counted, never applied twice. An event for a run, task or attempt
 * that this coordinator never created or dispatched is also dead-lettered: no executor could have sent it.
 */
public final class TaskEventDecider {
  private final CoordinatorState state;
  private final TaskOutcomeBehavior outcomes;
  private final SpawnDecider spawns;
  private final DeciderSettings settings;

  public TaskEventDecider(CoordinatorState state, DeciderSettings settings) {
    this.state = state;
    this.outcomes = new TaskOutcomeBehavior(state, settings);
    this.spawns = new SpawnDecider(state, settings, outcomes);
    this.settings = settings;
  }

  /** How long finished runs are kept, for the reason of a dead-lettered event: the run may have expired. */
  static String retention(DeciderSettings settings) {
    return settings.retainFinished().isZero() ? "(finished runs are kept forever here)"
        : "(finished runs are kept for " + settings.retainFinished().toString().substring(2).toLowerCase()
            + " after they finish)";
  }

  public void decide(TaskEvent e, Decisions d) {
    RunState run = state.run(e.getRunId());
    if (run == null) {
      // An expired run is unknown too: nothing of it is kept, so a late event for it goes the same way.
      d.ignored("event for unknown run", e);
      d.deadLetter(e.getKind() + " event from '" + e.getSource() + "' for unknown run '" + e.getRunId()
          + "': this coordinator never accepted that run, or it finished and expired from the coordinator's state "
          + retention(settings));
      return;
    }
    TaskState t = state.task(e.getRunId(), e.getTaskId());
    if (t == null) {
      d.ignored("event for unknown task", e);
      d.deadLetter(e.getKind() + " event from '" + e.getSource() + "' for unknown task '" + e.getTaskId()
          + "' of run '" + e.getRunId() + "'");
      return;
    }
    TaskStatus s = TaskStatus.valueOf(t.getStatus());
    if (e.getAttempt() < 1 || e.getAttempt() > t.getAttempt()) {
      // Never dispatched: no executor was sent this attempt, so whoever wrote it is confused or malicious.
      d.ignored("event for an attempt never dispatched", e);
      d.deadLetter(e.getKind() + " event from '" + e.getSource() + "' for attempt " + e.getAttempt() + " of task '"
          + e.getTaskId() + "' of run '" + e.getRunId() + "', which was never dispatched (the latest attempt is "
          + t.getAttempt() + ")");
      return;
    }
    if (e.getAttempt() != t.getAttempt()) {
      // A late event from an attempt given up on (lost, timed out): normal in a distributed system, not an error.
      d.ignored("event for attempt " + e.getAttempt() + " but the current attempt is " + t.getAttempt(), e);
      return;
    }
    long at = e.getAtMs();
    switch (e.getKind()) {
      case STARTED -> {
        if (s == TaskStatus.DISPATCHED) {
          d.record(new AttemptStarted(e.getRunId(), e.getTaskId(), e.getAttempt(), at, e.getSource()));
          outcomes.attemptStarted(e.getRunId(), e.getTaskId(), at, d);
        } else {
          d.ignored("STARTED for a task that is " + s, e);
        }
      }
      case HEARTBEAT, TRACKING_URL -> {
        if (TaskStatuses.isLive(s)) {
          d.record(new AttemptSeen(e.getRunId(), e.getTaskId(), e.getAttempt(), at, e.getHandle(), e.getTrackingUrl(),
              e.getPhase()));
        } else {
          d.ignored(e.getKind() + " for a task that is " + s, e);
        }
      }
      case SUCCEEDED, SKIPPED -> {
        if (TaskStatuses.isLive(s)) {
          outcomes.complete(t, e.getKind() == dev.weft.avro.TaskEventKind.SKIPPED ? TaskStatus.SKIPPED
              : TaskStatus.SUCCEEDED, at, e.getExitCode(), e.getLogTail(), e.getResultJson(), d);
        } else {
          d.ignored(e.getKind() + " for a task that is " + s, e);
        }
      }
      case SPAWNED -> {
        // Before the attempt's outcome, from its executor; a run being cancelled takes no new tasks.
        if (TaskStatuses.isLive(s) && RunStatus.RUNNING.name().equals(run.getStatus())) spawns.decide(run, t, e, d);
        else d.ignored("SPAWNED for a task that is " + s + " in a run that is " + run.getStatus(), e);
      }
      case FAILED -> {
        if (TaskStatuses.isLive(s) && t.getTimedOutAtMs() > 0) {
          stoppedAfterTimeout(t, e, at, d);
        } else if (TaskStatuses.isLive(s)) {
          FailureKind kind = e.getFailureKind() == null ? FailureKind.OTHER : e.getFailureKind();
          outcomes.fail(t, kind, e.getExitCode(), e.getReason(), e.getLogTail(), at, d);
        } else {
          d.ignored("FAILED for a task that is " + s, e);
        }
      }
      case CANCELLED -> {
        if (TaskStatuses.isLive(s) && t.getTimedOutAtMs() > 0) {
          // Cancelled because it timed out (the coordinator's CANCEL), not by a user: a failure, retried if it may be.
          stoppedAfterTimeout(t, e, at, d);
        } else if (TaskStatuses.isLive(s)) {
          outcomes.abandon(t, TaskStatus.CANCELLED, e.getReason() == null ? "cancelled" : e.getReason(), at, d);
          outcomes.abandonDownstream(t, TaskStatus.CANCELLED, "upstream task '" + t.getTaskId() + "' was cancelled", at, d);
          outcomes.afterTaskEnded(e.getRunId(), at, d);
        } else {
          d.ignored("CANCELLED for a task that is " + s, e);
        }
      }
      case RETRY_DUE -> {
        if (s == TaskStatus.RETRY_WAIT && RunStatus.RUNNING.name().equals(run.getStatus())) outcomes.dispatch(t, at, d);
        else d.ignored("RETRY_DUE for a task that is " + s, e);
      }
      case ATTEMPT_TIMED_OUT -> {
        if (!TaskStatuses.isLive(s) || t.getTimeoutAtMs() <= 0 || at < t.getTimeoutAtMs()) {
          d.ignored("ATTEMPT_TIMED_OUT no longer applies", e);
        } else if (t.getTimedOutAtMs() == 0) {
          // Not a failure yet: a retry started now would run beside the attempt while it stops (a task may trap
          // SIGTERM and clean up for its executor's whole cancel grace). The executor reports when it has stopped.
          d.command(Outputs.cancelCommand(run, t, at, "timed out after " + t.getTimeoutMs() + " ms"));
          d.record(new AttemptTimedOut(t.getRunId(), t.getTaskId(), t.getAttempt(), at,
              at + t.getHeartbeatTimeoutMs()));
        } else {
          // Its executor heartbeats but never said the attempt stopped: end it here, as before the stop was awaited.
          outcomes.fail(t, FailureKind.TIMED_OUT, null, timedOut(t) + ", and its executor did not report it stopped "
              + "within " + (at - t.getTimedOutAtMs()) + " ms of the cancel; raise the task's timeout if it needs "
              + "longer", t.getLogTail(), at, d);
        }
      }
      case QUEUE_TIMED_OUT -> {
        // The timer of one task, as coordinators before 2026-12-04 set it (QueueTimerDecider keeps one a run and
        // group now): decided still, for such a timer left in a store and for a replay of their logs.
        Long startedOnItsExecutor = run.getLastStartedAtMs().get(t.getExecutor());
        boolean due = s == TaskStatus.DISPATCHED && t.getQueueTimeoutAtMs() > 0 && at >= t.getQueueTimeoutAtMs();
        long dueAtMs = QueueTimerDecider.dueAtMs(t, startedOnItsExecutor);
        if (due && dueAtMs > at) {
          // Its group started another of the run's tasks within the timeout: the queue moves, and this task waits
          // behind the run's own (a wide fan-out on a slow executor), not for a group that is missing.
          QueueTimerDecider.cover(run, t.getExecutor(), dueAtMs, t.getQueueTimeoutMs(), d);
        } else if (due) {
          QueueTimerDecider.timeOut(run, t, at, outcomes, d);
        } else {
          d.ignored("QUEUE_TIMED_OUT no longer applies", e);
        }
      }
      case ATTEMPT_LOST -> {
        if (s == TaskStatus.RUNNING && t.getLastSeenAtMs() + t.getHeartbeatTimeoutMs() <= at) {
          // Stop it in case it is alive but cut off; its later events name an old attempt and are ignored.
          d.command(Outputs.cancelCommand(run, t, at, "presumed lost: no heartbeat"));
          String lost = "no heartbeat from attempt " + t.getAttempt() + " for " + (at - t.getLastSeenAtMs())
              + " ms; its executor is presumed lost";
          // Lost while it was being stopped for its timeout: it timed out, whatever became of its executor since.
          if (t.getTimedOutAtMs() > 0) {
            outcomes.fail(t, FailureKind.TIMED_OUT, null, timedOut(t) + ", and then " + lost, t.getLogTail(), at, d);
          } else {
            outcomes.fail(t, FailureKind.LOST, null, lost, t.getLogTail(), at, d);
          }
        } else {
          d.ignored("ATTEMPT_LOST no longer applies", e);
        }
      }
      default -> d.ignored("task event kind " + e.getKind() + " is not handled by this coordinator version", e);
    }
  }

  /**
   * The executor's report that an attempt the coordinator had found over its timeout ended: a TIMED_OUT failure,
   * whatever the executor saw (a CANCELLED for the coordinator's CANCEL, an exit code from SIGTERM), with its exit
   * code and log tail. The executor's own reason is kept when it timed the attempt out itself.
   */
  private void stoppedAfterTimeout(TaskState t, TaskEvent e, long at, Decisions d) {
    String reason = e.getFailureKind() == FailureKind.TIMED_OUT && e.getReason() != null ? e.getReason()
        : timedOut(t) + " and was stopped"
            + (e.getReason() == null ? "" : " (" + e.getReason() + ")")
            + "; raise the task's timeout if it needs longer";
    outcomes.fail(t, FailureKind.TIMED_OUT, e.getExitCode(), reason, e.getLogTail(), at, d);
  }

  /** How each reason for a timed-out attempt begins. */
  private static String timedOut(TaskState t) {
    return "attempt " + t.getAttempt() + " timed out after " + t.getTimeoutMs() + " ms";
  }
}
