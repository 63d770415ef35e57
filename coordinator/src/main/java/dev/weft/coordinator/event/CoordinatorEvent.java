package dev.weft.coordinator.event;

import dev.weft.avro.FailureKind;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.state.StateKeys;
import dev.weft.coordinator.state.TimerEntry;
import dev.weft.spec.ResolvedTask;
import java.util.List;
import java.util.Map;

/**
 * What the coordinator decided, as facts in the past tense. Deciders produce them; {@code EventApplier} alone turns
 * them into state. Every field a decision depended on is in the event (times included), so applying the same
 * events to empty state always gives the same state.
 */
public sealed interface CoordinatorEvent {
  String runId();

  /** {@code specHash}: SHA-256 (hex) of the request's spec JSON, so that history can tell which spec a run ran. */
  record RunAccepted(String runId, String pipeline, String requester, String idempotencyKey, Map<String, String> params,
      long requestedAtMs, long acceptedAtMs, int taskCount, String specHash) implements CoordinatorEvent {}

  record TaskCreated(String runId, ResolvedTask task, int index, List<String> dependants) implements CoordinatorEvent {}

  /**
   * A task whose dependencies are all met waits for its notBefore time, {@code untilMs}, which had not come at
   * {@code atMs}: a NOT_BEFORE_REACHED timer is set for it, and it is dispatched when that event is folded.
   */
  record TaskHeldUntil(String runId, String taskId, long untilMs, long atMs) implements CoordinatorEvent {}

  /** A task whose dependencies are all met got a new attempt and a Run command. */
  record TaskDispatched(String runId, String taskId, int attempt, long atMs) implements CoordinatorEvent {}

  /** {@code source}: the executor instance that started it (the STARTED event's source). */
  record AttemptStarted(String runId, String taskId, int attempt, long atMs, String source) implements CoordinatorEvent {}

  /**
   * A heartbeat or tracking URL from the current attempt: it is alive. {@code phase} (QUEUED, RUNNING) is where its
   * work is, when the backend knows; null leaves the last one.
   */
  record AttemptSeen(String runId, String taskId, int attempt, long atMs, String handle, String trackingUrl,
      String phase) implements CoordinatorEvent {}

  /**
   * The current attempt ran past its timeout at {@code atMs}, and its executor was sent a CANCEL. The attempt is not
   * over: no retry may start while it is still stopping, so it ends when its executor reports it stopped, or at
   * {@code stopDeadlineMs} if none does (an ATTEMPT_TIMED_OUT timer again).
   */
  record AttemptTimedOut(String runId, String taskId, int attempt, long atMs, long stopDeadlineMs)
      implements CoordinatorEvent {}

  /** SUCCEEDED, or SKIPPED because the task's output already existed. */
  record TaskCompleted(String runId, String taskId, TaskStatus status, long atMs, Integer exitCode, String logTail)
      implements CoordinatorEvent {}

  /** One dependency of {@code taskId} completed. */
  record DependencyMet(String runId, String taskId) implements CoordinatorEvent {}

  /**
   * {@code taskId} completed with more dependants than one slice, and those from index {@code from} on are not told
   * yet: they are told a slice at a time while few of the run's tasks are out at executors, so that no decision or
   * transaction carries a hundred thousand commands, and a wide fan-out's tasks in flight stay few enough to be
   * kept decoded. Replaces the task's earlier entry, if any.
   */
  record DependantsDeferred(String runId, String taskId, int from) implements CoordinatorEvent {}

  /**
   * The run's one queue timer for its tasks dispatched to {@code executor} is due at {@code dueAtMs}, and
   * {@code queueTimeoutMs} is the shortest queue timeout among them: no task of the run waiting on that group can time
   * out earlier. Replaces the group's earlier timer, if any. One timer a run and group, not one a task, so that a task
   * dispatched and started writes no timer at all (2026-12-04).
   */
  record QueueTimerSet(String runId, String executor, long dueAtMs, long queueTimeoutMs) implements CoordinatorEvent {}

  /** No task of the run waits on {@code executor}'s group any more: its queue timer goes. */
  record QueueTimerCleared(String runId, String executor) implements CoordinatorEvent {}

  /** Every dependant of {@code taskId} has been told: its deferred entry is gone. */
  record DependantsReleased(String runId, String taskId) implements CoordinatorEvent {}

  /**
   * The current attempt failed. {@code retryAtMs > 0}: the task waits in RETRY_WAIT until then; otherwise it ends in
   * {@code terminalStatus} (FAILED or TIMED_OUT).
   */
  record AttemptFailed(String runId, String taskId, int attempt, long atMs, FailureKind kind, Integer exitCode,
      String reason, String logTail, long retryAtMs, TaskStatus terminalStatus) implements CoordinatorEvent {}

  /** The task will not run: UPSTREAM_FAILED or CANCELLED. */
  record TaskAbandoned(String runId, String taskId, TaskStatus status, long atMs, String reason)
      implements CoordinatorEvent {}

  /**
   * The task a mapped task maps over succeeded, and its result was expanded: the mapped task has {@code instances}
   * instances ({@code MapInstanceCreated} each), none for an empty result.
   */
  record TaskMapped(String runId, String taskId, int instances, long atMs) implements CoordinatorEvent {}

  /**
   * Instance {@code task} of mapped task {@code parentId} joined the run, at position {@code index}. It has no
   * dependency of its own: it is dispatched when its mapped task starts ({@code MappedTaskStarted}).
   */
  record MapInstanceCreated(String runId, String parentId, ResolvedTask task, int index) implements CoordinatorEvent {}

  /** A mapped task's dependencies are met: its instances were dispatched, and it runs until they all end. */
  record MappedTaskStarted(String runId, String taskId, long atMs) implements CoordinatorEvent {}

  /**
   * The next slice of a task mapped over a count, from instance {@code from} on, is due: a MAP_SLICE_DUE timer,
   * due at once, so that the punctuator writes the event that creates it back to the log. One decision never creates
   * more than a slice, so neither a transaction nor the staged state holds a million instances.
   */
  record MapSliceDue(String runId, String taskId, int from) implements CoordinatorEvent {}

  /** The MAP_SLICE_DUE event for the slice from {@code from} was folded: its timer is gone (a replay fires none). */
  record MapSliceTaken(String runId, String taskId, int from) implements CoordinatorEvent {}

  /**
   * A task mapped over a count was cancelled before all its instances existed: it has the {@code instances} created
   * so far, and ends when they do.
   */
  record MapTruncated(String runId, String taskId, int instances) implements CoordinatorEvent {}

  /** Instance {@code instanceId} of mapped task {@code parentId} ended {@code status}. */
  record MapInstanceEnded(String runId, String parentId, String instanceId, TaskStatus status)
      implements CoordinatorEvent {}

  /**
   * A running attempt of {@code spawnerId} spawned {@code task}, which joined the run at position {@code index} with
   * {@code unmetDeps} of its dependencies not yet complete, and {@code dependants} waiting for it (the spawned tasks
   * that depend on it, and the spawner's dependants when nothing spawned depends on it).
   */
  record TaskSpawned(String runId, String spawnerId, ResolvedTask task, int index, List<String> dependants,
      int unmetDeps) implements CoordinatorEvent {}

  /** {@code dependantId} (a spawned task) waits for {@code taskId} too. */
  record DependantAdded(String runId, String taskId, String dependantId) implements CoordinatorEvent {}

  /** {@code taskId} waits for {@code dependencyId} (a spawned task) too: its unmet-dependency count grows by one. */
  record DependencyAdded(String runId, String taskId, String dependencyId) implements CoordinatorEvent {}

  record RunCancelRequested(String runId, long atMs, String reason) implements CoordinatorEvent {}

  /**
   * The last task ended. {@code expiresAtMs} is when the run leaves the stores ({@code atMs + retainFinished}, as the
   * decider was configured); 0 keeps it.
   */
  record RunFinished(String runId, RunStatus status, long atMs, long expiresAtMs) implements CoordinatorEvent {}

  /**
   * A finished run's retention is over: the run, its tasks, its timers and its index entry leave the stores. Decided
   * when the coordinator's RUN_EXPIRED task event is folded, so a replay of the log expires the same runs.
   */
  record RunExpired(String runId, long atMs) implements CoordinatorEvent {}

  /**
   * A slice of an expiring run's tasks ({@code taskIds}, with their timers) leaves the stores; the run's expiry goes on
   * with a RUN_EXPIRED timer due at once, so that no decision deletes more than a slice of a run of a million tasks.
   */
  record RunTasksExpired(String runId, List<String> taskIds) implements CoordinatorEvent {}

  record TimerFired(TimerEntry timer) implements CoordinatorEvent {
    @Override
    public String runId() {
      return timer.getRunId();
    }
  }

  /** The spec the run was submitted with, kept so that a rerun can start it again. */
  record RunSpecKept(String runId, String specJson) implements CoordinatorEvent {}

  /** Where a run came from: the run it reruns and the backfill that started it (each may be null). */
  record RunOriginKept(String runId, String rerunOf, String startedBy) implements CoordinatorEvent {}

  /** A task of a rerun that does not run again: SKIPPED, carried over from {@code fromRunId}. */
  record TaskCarriedOver(String runId, String taskId, String fromRunId, long atMs) implements CoordinatorEvent {
    /** How the carried-over task's reason begins, then the run it came from: what the run summary groups it by. */
    public static final String REASON_PREFIX = "carried over from run ";
  }

  /** {@code watcherId} (a backfill) is told when this run ends, although another request started it. */
  record RunFinishWatched(String runId, String watcherId) implements CoordinatorEvent {}

  /** A backfill: one run per value of {@code param}, {@code runIds[i]} for {@code values[i]}. */
  record BackfillAccepted(String backfillId, String pipeline, String specJson, Map<String, String> params, String param,
      List<String> values, List<String> runIds, int maxActiveRuns, int priority, String requester, long atMs)
      implements CoordinatorEvent {
    @Override
    public String runId() {
      return backfillId;
    }
  }

  /** The backfill sent the SUBMIT of its value at {@code index}. */
  record BackfillRunStarted(String backfillId, int index, long atMs) implements CoordinatorEvent {
    @Override
    public String runId() {
      return backfillId;
    }
  }

  /** The run of the value at {@code index} ended with {@code status} (a RunStatus name, REJECTED too). */
  record BackfillRunEnded(String backfillId, int index, String status) implements CoordinatorEvent {
    @Override
    public String runId() {
      return backfillId;
    }
  }

  /** Events of a schedule; {@link #runId} is its key on the topics, {@code schedule:NAME}. */
  sealed interface ScheduleEvent extends CoordinatorEvent {
    String name();

    @Override
    default String runId() {
      return StateKeys.scheduleKey(name());
    }
  }

  /**
   * A schedule's definition, new or changed: the pipeline {@code specJson} (with its schedule: block) runs at each slot
   * of {@code cron} in {@code timezone}, the first not fired yet being {@code nextSlotMs}. A change keeps whether the
   * schedule is paused, its last slot and its active runs.
   */
  record ScheduleApplied(String name, String specJson, String specHash, String cron, String timezone, boolean catchup,
      int maxActiveRuns, Map<String, String> params, long nextSlotMs, String requester, long atMs)
      implements ScheduleEvent {}

  /** No slot fires until it is resumed; slots that pass meanwhile are never fired. */
  record SchedulePaused(String name, long atMs) implements ScheduleEvent {}

  /** Slots fire again, from {@code nextSlotMs}, the first after the resume. */
  record ScheduleResumed(String name, long nextSlotMs, long atMs) implements ScheduleEvent {}

  /** The schedule is gone; runs it started go on. */
  record ScheduleDeleted(String name, long atMs) implements ScheduleEvent {}

  /**
   * Slot {@code slotMs} fired at {@code atMs}: run {@code startedRunId} was submitted (its idempotency key names the
   * slot), and the next slot not fired is {@code nextSlotMs}.
   */
  record ScheduleFired(String name, long slotMs, String startedRunId, long nextSlotMs, long atMs)
      implements ScheduleEvent {}

  /** A slot is due but {@code maxActiveRuns} runs are active: it fires when one of them ends, not by its timer. */
  record ScheduleWaitsForRuns(String name, long atMs) implements ScheduleEvent {}

  /** Run {@code endedRunId}, which the schedule started, ended {@code status} (a RunStatus name, REJECTED too). */
  record ScheduleRunEnded(String name, String endedRunId, String status) implements ScheduleEvent {}

  /** Every value's run ended (SUCCEEDED, FAILED), or the backfill was cancelled (CANCELLED): it starts nothing more. */
  record BackfillFinished(String backfillId, String status, long atMs) implements CoordinatorEvent {
    @Override
    public String runId() {
      return backfillId;
    }
  }
}
