package dev.weft.coordinator.decide;

import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.event.CoordinatorEvent.AttemptFailed;
import dev.weft.coordinator.event.CoordinatorEvent.DependantsDeferred;
import dev.weft.coordinator.event.CoordinatorEvent.DependantsReleased;
import dev.weft.coordinator.event.CoordinatorEvent.DependencyMet;
import dev.weft.coordinator.event.CoordinatorEvent.RunFinished;
import dev.weft.coordinator.event.CoordinatorEvent.TaskAbandoned;
import dev.weft.coordinator.event.CoordinatorEvent.TaskCarriedOver;
import dev.weft.coordinator.event.CoordinatorEvent.TaskCompleted;
import dev.weft.coordinator.event.CoordinatorEvent.TaskDispatched;
import dev.weft.coordinator.event.CoordinatorEvent.TaskHeldUntil;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.DeferredRelease;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import dev.weft.coordinator.state.TaskStatuses;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What happens when a task moves: dispatching it, completing it (which touches only its dependants, never a scan
 * of the run), failing it (retry or cascade UPSTREAM_FAILED), abandoning it, and finishing the run when the last
 * task ends. Shared by the deciders.
 */
final class TaskOutcomeBehavior {
  private final CoordinatorState state;
  private final DeciderSettings settings;
  private final MappedTaskBehavior mapped;

  TaskOutcomeBehavior(CoordinatorState state, DeciderSettings settings) {
    this.state = state;
    this.settings = settings;
    this.mapped = new MappedTaskBehavior(state, settings, this);
  }

  /**
   * A new attempt and its Run command; a mapped task instead starts its instances (it never runs itself). A task whose
   * notBefore time is after {@code atMs} (the time of the event that met its last dependency) is held instead: its
   * NOT_BEFORE_REACHED event, written back when the time comes, dispatches it ({@link NotBeforeDecider}).
   */
  void dispatch(TaskState task, long atMs, Decisions d) {
    if (task.getNotBeforeMs() > atMs) {
      if (task.getHeldUntilMs() == 0) {
        d.record(new TaskHeldUntil(task.getRunId(), task.getTaskId(), task.getNotBeforeMs(), atMs));
      }
      return;
    }
    if (MappedTaskBehavior.isMapped(task)) {
      mapped.start(task, atMs, d);
      return;
    }
    d.record(new TaskDispatched(task.getRunId(), task.getTaskId(), task.getAttempt() + 1, atMs));
    RunState run = state.run(task.getRunId());
    if (task.getQueueTimeoutMs() > 0) {
      QueueTimerDecider.cover(run, task.getExecutor(), atMs + task.getQueueTimeoutMs(), task.getQueueTimeoutMs(), d);
    }
    d.command(Outputs.runCommand(run, state.task(task.getRunId(), task.getTaskId()), atMs));
  }

  /**
   * SUCCEEDED or SKIPPED: tasks mapped over this one are expanded from its {@code resultJson} (null when it wrote
   * none), then dependants whose last dependency this was are dispatched.
   */
  void complete(TaskState task, TaskStatus status, long atMs, Integer exitCode, String logTail, String resultJson,
      Decisions d) {
    String runId = task.getRunId();
    d.record(new TaskCompleted(runId, task.getTaskId(), status, atMs, exitCode, logTail));
    attemptEnded(task, new AttemptEvents.End(status, null, exitCode, null, logTail, false), atMs, d);
    finished(runId, task.getTaskId(), atMs, d);
    if (status == TaskStatus.SUCCEEDED) mapped.expandOver(task, resultJson, atMs, d);
    tellSliceOfDependants(task, 0, atMs, d);
    afterTaskEnded(runId, atMs, d);
  }

  /**
   * Tells a slice of {@code completed}'s dependants, from index {@code from} on, that it completed, and dispatches
   * those it was the last dependency of (only while the run runs: a run being cancelled starts nothing). What is left
   * after the slice is recorded as deferred (or the entry removed) first: a dependant dispatched here may end at once
   * (a mapped task with no instances) and call {@link #afterTaskEnded}, which must not tell this slice again.
   */
  private void tellSliceOfDependants(TaskState completed, int from, long atMs, Decisions d) {
    String runId = completed.getRunId();
    List<String> dependants = completed.getDependants();
    int to = Math.min(dependants.size(), from + settings.sliceTasks());
    if (to < dependants.size()) d.record(new DependantsDeferred(runId, completed.getTaskId(), to));
    else if (from > 0) d.record(new DependantsReleased(runId, completed.getTaskId()));
    boolean running = RunStatus.RUNNING.name().equals(state.run(runId).getStatus());
    for (String dependantId : dependants.subList(from, to)) {
      TaskState dependant = state.task(runId, dependantId);
      if (TaskStatuses.isTerminal(dependant.getStatus())) continue;
      d.record(new DependencyMet(runId, dependantId)); // counted beside the record, which stays as read
      if (running && state.unmetDependencies(dependant) == 0 && TaskStatus.PENDING.name().equals(dependant.getStatus())) {
        dispatch(dependant, atMs, d);
      }
    }
  }

  /**
   * A task of the run ended (or was carried over): dependants deferred by a wide completion are told, a slice at a
   * time, while at most half a slice of the run's tasks are out at executors; then the run ends if nothing is left.
   *
   * <p>Why deferred: a task with 100,000 dependants would otherwise dispatch them all in one decision, so one
   * transaction of half a million records, and 100,000 tasks in flight, four in five of them evicted from the
   * decoded-task cache before their executor answers. Told this way, the first commands go out at once and the rest
   * follow as the first end, as a count-mapped task's slices do. A deferred dependant stays PENDING, so its run
   * cannot end before it is told; a cancel abandons it like any task that has not run.
   */
  void afterTaskEnded(String runId, long atMs, Decisions d) {
    RunState run = state.run(runId);
    while (!run.getDeferredReleases().isEmpty() && RunStatus.RUNNING.name().equals(run.getStatus())
        && tasksOut(run) <= settings.sliceTasks() / 2) {
      DeferredRelease oldest = run.getDeferredReleases().get(0);
      tellSliceOfDependants(state.task(runId, oldest.getTaskId()), oldest.getFrom(), atMs, d);
      run = state.run(runId);
    }
    finishRunIfDone(runId, atMs, d);
  }

  /** The run's tasks whose attempt is out at an executor, dispatched or running (a running mapped task counts one). */
  private static int tasksOut(RunState run) {
    return run.getCounts().getOrDefault(TaskStatus.DISPATCHED.name(), 0)
        + run.getCounts().getOrDefault(TaskStatus.RUNNING.name(), 0);
  }

  /**
   * The current attempt failed: retry after a backoff when the policy allows and the run is not being cancelled;
   * otherwise end the task and mark everything downstream UPSTREAM_FAILED.
   */
  void fail(TaskState task, FailureKind kind, Integer exitCode, String reason, String logTail, long atMs, Decisions d) {
    String runId = task.getRunId();
    boolean running = RunStatus.RUNNING.name().equals(state.run(runId).getStatus());
    if (!running) {
      d.record(new AttemptFailed(runId, task.getTaskId(), task.getAttempt(), atMs, kind, exitCode, reason, logTail, 0,
          kind == FailureKind.CANCELLED ? TaskStatus.CANCELLED : TaskStatus.FAILED));
      attemptEnded(task, attemptFailure(kind, exitCode, reason, logTail, false), atMs, d);
      finished(runId, task.getTaskId(), atMs, d);
      afterTaskEnded(runId, atMs, d);
      return;
    }
    if (RetryPolicies.isRetryable(kind, exitCode, task) && RetryPolicies.hasAttemptsLeft(task, task.getAttempt())) {
      long retryAt = atMs + Math.max(1, RetryPolicies.backoffMs(task, task.getAttempt()));
      d.record(new AttemptFailed(runId, task.getTaskId(), task.getAttempt(), atMs, kind, exitCode, reason, logTail,
          retryAt, null));
      attemptEnded(task, attemptFailure(kind, exitCode, reason, logTail, true), atMs, d);
      return;
    }
    TaskStatus terminal = switch (kind) {
      case TIMED_OUT -> TaskStatus.TIMED_OUT;
      case CANCELLED -> TaskStatus.CANCELLED;
      default -> TaskStatus.FAILED;
    };
    d.record(new AttemptFailed(runId, task.getTaskId(), task.getAttempt(), atMs, kind, exitCode, reason, logTail, 0,
        terminal));
    attemptEnded(task, attemptFailure(kind, exitCode, reason, logTail, false), atMs, d);
    finished(runId, task.getTaskId(), atMs, d);
    abandonDownstream(task, TaskStatus.UPSTREAM_FAILED, "upstream task '" + task.getTaskId() + "' ended " + terminal,
        atMs, d);
    afterTaskEnded(runId, atMs, d);
  }

  /**
   * Fails a task that has no attempt to fail (a mapped task: its result could not be expanded, or an instance did
   * not succeed): FAILED at once, never retried, and everything downstream UPSTREAM_FAILED.
   */
  void failWithoutAttempt(TaskState task, FailureKind kind, String reason, long atMs, Decisions d) {
    String runId = task.getRunId();
    d.record(new AttemptFailed(runId, task.getTaskId(), task.getAttempt(), atMs, kind, null, reason, null, 0,
        TaskStatus.FAILED));
    finished(runId, task.getTaskId(), atMs, d);
    abandonDownstream(task, TaskStatus.UPSTREAM_FAILED, "upstream task '" + task.getTaskId() + "' ended FAILED",
        atMs, d);
    afterTaskEnded(runId, atMs, d);
  }

  /** MAP_SLICE_DUE: the next slice of instances of a task mapped over a count ({@link MappedTaskBehavior}). */
  void nextMapSlice(TaskEvent e, Decisions d) {
    mapped.nextSlice(e, d);
  }

  /**
   * A cancel reached a running task mapped over a count: it keeps the instances created so far, the caller cancels
   * them, and it ends CANCELLED with them ({@link MappedTaskBehavior#truncate}).
   */
  void truncateMapped(TaskState task, long atMs, Decisions d) {
    mapped.truncate(task, atMs, d);
  }

  /** Ends a task that will not run (or whose attempt was stopped) as CANCELLED or UPSTREAM_FAILED. */
  void abandon(TaskState task, TaskStatus status, String reason, long atMs, Decisions d) {
    d.record(new TaskAbandoned(task.getRunId(), task.getTaskId(), status, atMs, reason));
    if (TaskStatuses.isLive(TaskStatus.valueOf(task.getStatus()))) {
      // Its attempt was out at an executor (dispatched or running), so that attempt ends here too.
      attemptEnded(task, new AttemptEvents.End(TaskStatus.CANCELLED, FailureKind.CANCELLED, null, reason, null, false),
          atMs, d);
    }
    finished(task.getRunId(), task.getTaskId(), atMs, d);
  }

  /**
   * Abandons every not-yet-ended task downstream of {@code root} (breadth-first, each once). Live attempts cannot be
   * downstream of an unfinished task, so none is cut off here.
   */
  void abandonDownstream(TaskState root, TaskStatus status, String reason, long atMs, Decisions d) {
    Set<String> seen = new HashSet<>();
    Deque<String> queue = new ArrayDeque<>(root.getDependants());
    while (!queue.isEmpty()) {
      String id = queue.poll();
      if (!seen.add(id)) continue;
      TaskState t = state.task(root.getRunId(), id);
      if (TaskStatuses.isTerminal(t.getStatus()) || TaskStatuses.isLive(TaskStatus.valueOf(t.getStatus()))) continue;
      abandon(t, status, reason, atMs, d);
      queue.addAll(t.getDependants());
    }
  }

  /**
   * When no task is left unfinished, the run ends: CANCELLED if asked, FAILED if any task failed, else SUCCEEDED. Its
   * expiry time is decided here, from the finish time in the event that finished it and the configured retention.
   */
  private void finishRunIfDone(String runId, long atMs, Decisions d) {
    RunState run = state.run(runId);
    if (run.getUnfinished() > 0) return;
    if (!RunStatus.RUNNING.name().equals(run.getStatus()) && !RunStatus.CANCELLING.name().equals(run.getStatus())) return;
    RunStatus outcome;
    if (RunStatus.CANCELLING.name().equals(run.getStatus())) {
      outcome = RunStatus.CANCELLED;
    } else if (count(run, TaskStatus.FAILED) + count(run, TaskStatus.TIMED_OUT) + count(run, TaskStatus.UPSTREAM_FAILED) > 0) {
      outcome = RunStatus.FAILED;
    } else if (count(run, TaskStatus.CANCELLED) > 0) {
      outcome = RunStatus.CANCELLED;
    } else {
      outcome = RunStatus.SUCCEEDED;
    }
    d.record(new RunFinished(runId, outcome, atMs, settings.expiresAtMs(atMs)));
    d.runEvent(Outputs.runFinished(state.run(runId)));
    for (String watcherId : run.getNotifyOnFinish()) {
      d.taskEvent(RunNotices.childRunFinished(watcherId, runId, outcome.name(), atMs));
    }
  }

  /**
   * A rerun's task that does not run again: SKIPPED, carried over from the run it reruns. The first slice of its
   * dependants get the dependency met, and the rest are deferred as a completion's are ({@link #afterTaskEnded}); the
   * caller dispatches those left with none unmet, once every carried task is recorded, then calls
   * {@link #afterTaskEnded}.
   */
  void carryOver(TaskState task, String fromRunId, long atMs, Decisions d) {
    String runId = task.getRunId();
    d.record(new TaskCarriedOver(runId, task.getTaskId(), fromRunId, atMs));
    finished(runId, task.getTaskId(), atMs, d);
    List<String> dependants = task.getDependants();
    int to = Math.min(dependants.size(), settings.sliceTasks());
    for (String dependantId : dependants.subList(0, to)) {
      if (!TaskStatuses.isTerminal(state.task(runId, dependantId).getStatus())) {
        d.record(new DependencyMet(runId, dependantId));
      }
    }
    if (to < dependants.size()) d.record(new DependantsDeferred(runId, task.getTaskId(), to));
  }

  private void finished(String runId, String taskId, long atMs, Decisions d) {
    // One RunEvent per task is the fold's largest output; a replay drops it unread, so it is not even built then.
    if (d.publishing()) d.runEvent(Outputs.taskFinished(state, state.run(runId), state.task(runId, taskId), atMs));
    TaskState task = state.task(runId, taskId);
    if (task.getMapParent() != null) mapped.instanceEnded(task, atMs, d);
  }

  /** ATTEMPT_STARTED for the task's current attempt, which the decision just started. */
  void attemptStarted(String runId, String taskId, long atMs, Decisions d) {
    if (d.publishing()) d.runEvent(AttemptEvents.started(state, state.run(runId), state.task(runId, taskId), atMs));
  }

  /** ATTEMPT_ENDED for {@code task}'s current attempt, read after the decision applied its end. */
  private void attemptEnded(TaskState task, AttemptEvents.End end, long atMs, Decisions d) {
    // A mapped task ends without ever having had an attempt.
    if (!d.publishing() || task.getAttempt() == 0) return;
    String runId = task.getRunId();
    d.runEvent(AttemptEvents.ended(state, state.run(runId), state.task(runId, task.getTaskId()), end, atMs));
  }

  private static AttemptEvents.End attemptFailure(FailureKind kind, Integer exitCode, String reason, String logTail,
      boolean retrying) {
    TaskStatus outcome = switch (kind) {
      case TIMED_OUT -> TaskStatus.TIMED_OUT;
      case CANCELLED -> TaskStatus.CANCELLED;
      default -> TaskStatus.FAILED;
    };
    return new AttemptEvents.End(outcome, kind, exitCode, reason, logTail, retrying);
  }

  private static int count(RunState run, TaskStatus s) {
    return run.getCounts().getOrDefault(s.name(), 0);
  }
}
