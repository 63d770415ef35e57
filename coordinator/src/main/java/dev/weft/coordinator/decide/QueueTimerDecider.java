package dev.weft.coordinator.decide;

import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.event.CoordinatorEvent.QueueTimerCleared;
import dev.weft.coordinator.event.CoordinatorEvent.QueueTimerSet;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.QueueTimer;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import java.util.ArrayList;
import java.util.List;

/**
 * The queue timeout, kept as one timer a run and executor group instead of one a task (2026-12-04). A task fails
 * with QUEUE_TIMED_OUT once it has waited in DISPATCHED for its {@code queueTimeout} and its group has started none of
 * the run's tasks for as long: a group that works through a wide run's backlog is slow, not missing.
 *
 * <p>A timer a task cost two changelog records a task (set at dispatch, deleted at the start, in different
 * commits), the most costly of what the coordinator writes beside a command (docs/performance.md). The group's timer
 * is set at its run's first dispatch to it and, while the group keeps starting the run's tasks, set again when it
 * fires, from the run's header alone. Only when the group has started nothing for the shortest timeout among its
 * tasks does the decision read the run's tasks, to fail those that waited too long: once per timeout, and only for a
 * group that stopped.
 */
public final class QueueTimerDecider {
  private final CoordinatorState state;
  private final TaskOutcomeBehavior outcomes;

  public QueueTimerDecider(CoordinatorState state, DeciderSettings settings) {
    this.state = state;
    this.outcomes = new TaskOutcomeBehavior(state, settings);
  }

  /**
   * A task of {@code run} waits on {@code executor}'s group until {@code dueAtMs} at the earliest, with this queue
   * timeout: the group's timer is set, or brought forward, so that it fires no later. Usually it is already set, and
   * nothing is recorded.
   */
  static void cover(RunState run, String executor, long dueAtMs, long queueTimeoutMs, Decisions d) {
    QueueTimer timer = run.getQueueTimers().get(executor);
    if (timer == null) {
      d.record(new QueueTimerSet(run.getRunId(), executor, dueAtMs, queueTimeoutMs));
    } else if (timer.getDueAtMs() > dueAtMs || timer.getQueueTimeoutMs() > queueTimeoutMs) {
      d.record(new QueueTimerSet(run.getRunId(), executor, Math.min(timer.getDueAtMs(), dueAtMs),
          Math.min(timer.getQueueTimeoutMs(), queueTimeoutMs)));
    }
  }

  /** QUEUE_TIMER_DUE: {@code taskId} names the executor group. */
  public void decide(TaskEvent e, Decisions d) {
    String runId = e.getRunId();
    String executor = e.getTaskId();
    long at = e.getAtMs();
    RunState run = state.run(runId);
    QueueTimer timer = run == null ? null : run.getQueueTimers().get(executor);
    if (timer == null || at < timer.getDueAtMs()) {
      // Written by the coordinator itself: the run ended (its timers went with it) or expired since it fired.
      d.ignored("QUEUE_TIMER_DUE no longer applies", e);
      return;
    }
    if (run.getCounts().getOrDefault(TaskStatus.DISPATCHED.name(), 0) == 0) {
      d.record(new QueueTimerCleared(runId, executor));
      return;
    }
    Long lastStarted = run.getLastStartedAtMs().get(executor);
    if (lastStarted != null && lastStarted + timer.getQueueTimeoutMs() > at) {
      // The group started one of the run's tasks within the shortest timeout: the queue moves, and none of the run's
      // tasks on it can time out before a timeout after that start.
      d.record(new QueueTimerSet(runId, executor, lastStarted + timer.getQueueTimeoutMs(), timer.getQueueTimeoutMs()));
      return;
    }
    List<TaskState> due = new ArrayList<>();
    long nextDueAtMs = Long.MAX_VALUE;
    long nextQueueTimeoutMs = Long.MAX_VALUE;
    for (TaskState t : state.tasksOf(runId)) {
      if (!waitsOn(t, executor)) continue;
      long dueAtMs = dueAtMs(t, lastStarted);
      if (dueAtMs <= at) {
        due.add(t);
      } else {
        nextDueAtMs = Math.min(nextDueAtMs, dueAtMs);
        nextQueueTimeoutMs = Math.min(nextQueueTimeoutMs, t.getQueueTimeoutMs());
      }
    }
    // The timer first, from the tasks that stay: a task dispatched while the others fail (a deferred dependant let
    // go as the run's tasks out drop) then brings it forward as any dispatch does.
    if (nextDueAtMs == Long.MAX_VALUE) d.record(new QueueTimerCleared(runId, executor));
    else d.record(new QueueTimerSet(runId, executor, nextDueAtMs, nextQueueTimeoutMs));
    for (TaskState listed : due) {
      // Read again: failing one task may have ended another (its run finished, say).
      TaskState t = state.task(runId, listed.getTaskId());
      if (t == null || !waitsOn(t, executor)) continue;
      timeOut(state.run(runId), t, at, outcomes, d);
    }
  }

  /** The task waited past its queue timeout: it fails QUEUE_TIMED_OUT, naming its group. */
  static void timeOut(RunState run, TaskState t, long atMs, TaskOutcomeBehavior outcomes, Decisions d) {
    // The command may still sit in the queue: cancel it, so that an executor that reads it late stops it.
    d.command(Outputs.cancelCommand(run, t, atMs, "not started within its queue timeout"));
    outcomes.fail(t, FailureKind.QUEUE_TIMED_OUT, null, Outputs.queueTimeoutReason(t), t.getLogTail(), atMs, d);
  }

  private static boolean waitsOn(TaskState t, String executor) {
    return TaskStatus.DISPATCHED.name().equals(t.getStatus()) && t.getQueueTimeoutMs() > 0
        && executor.equals(t.getExecutor());
  }

  /**
   * When a task dispatched to a group times out: a queue timeout after its dispatch, or after the group last started
   * one of the run's tasks, whichever is later.
   */
  static long dueAtMs(TaskState t, Long lastStartedOnItsExecutor) {
    long afterDispatch = t.getQueueTimeoutAtMs();
    return lastStartedOnItsExecutor == null ? afterDispatch
        : Math.max(afterDispatch, lastStartedOnItsExecutor + t.getQueueTimeoutMs());
  }
}
