package dev.weft.coordinator.decide;

import dev.weft.avro.FailureKind;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.event.CoordinatorEvent.MapInstanceCreated;
import dev.weft.coordinator.event.CoordinatorEvent.MapInstanceEnded;
import dev.weft.coordinator.event.CoordinatorEvent.MapSliceDue;
import dev.weft.coordinator.event.CoordinatorEvent.MapSliceTaken;
import dev.weft.coordinator.event.CoordinatorEvent.MapTruncated;
import dev.weft.coordinator.event.CoordinatorEvent.MappedTaskStarted;
import dev.weft.coordinator.event.CoordinatorEvent.TaskMapped;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import dev.weft.coordinator.state.TaskStatuses;
import dev.weft.spec.MappedTasks;
import dev.weft.spec.ResolvedTask;
import dev.weft.spec.RetryPolicy;
import dev.weft.spec.SpecException;
import java.util.List;

/**
 * Mapped tasks ({@code mapOver}). A mapped task is a parent: it is never dispatched itself.
 * <ul>
 *   <li>When the task it maps over succeeds, its result (carried by the SUCCEEDED event, so a replay expands the
 *       same way) is expanded: one instance per item ({@link MappedTasks}), created PENDING with no dependency.</li>
 *   <li>When the mapped task's own dependencies are met, it "starts": RUNNING, and every instance is dispatched.</li>
 *   <li>Each instance that ends is counted on the parent; when the last one ends the parent ends SUCCEEDED (every
 *       instance SUCCEEDED or SKIPPED; also with no instances at all), CANCELLED (only cancellations), or FAILED
 *       naming the instances that did not succeed. Its dependants wait for the parent, so for every instance.</li>
 * </ul>
 * A result that cannot be expanded (none, not a JSON array, an item without a field the spec names, more items than
 * the run's task limit allows) fails the mapped task with the reason, and its dependants end UPSTREAM_FAILED.
 *
 * <p>A task mapped over a count ({@code mapOver: {count: N}}) has no result to wait for: when it starts, its
 * instances are created and dispatched a slice at a time ({@code DeciderSettings.sliceTasks}), each slice asking
 * for the next through a MAP_SLICE_DUE timer, so that no decision, transaction or staged state holds a million of
 * them. A cancel before the last slice truncates it to the instances created so far.
 */
final class MappedTaskBehavior {
  private final CoordinatorState state;
  private final DeciderSettings settings;
  private final TaskOutcomeBehavior outcomes;

  MappedTaskBehavior(CoordinatorState state, DeciderSettings settings, TaskOutcomeBehavior outcomes) {
    this.state = state;
    this.settings = settings;
    this.outcomes = outcomes;
  }

  static boolean isMapped(TaskState t) {
    return t.getMapOver() != null || t.getMapCount() != null;
  }

  /**
   * The instances that exist: all of them once a task mapped over a result is expanded; for a task mapped over a
   * count, those its slices created so far (a state written before v7 has no such count, and no such task).
   */
  static int created(TaskState mapped) {
    if (mapped.getMapCount() == null) return mapped.getInstances() == null ? 0 : mapped.getInstances();
    return mapped.getInstancesCreated();
  }

  /** {@code completed} succeeded: expands each not-yet-ended task mapped over it, before its dependants are told. */
  void expandOver(TaskState completed, String resultJson, long atMs, Decisions d) {
    String runId = completed.getRunId();
    for (String dependantId : completed.getDependants()) {
      TaskState mapped = state.task(runId, dependantId);
      if (!completed.getTaskId().equals(mapped.getMapOver()) || mapped.getInstances() != null
          || TaskStatuses.isTerminal(mapped.getStatus())) {
        continue;
      }
      RunState run = state.run(runId);
      List<MappedTasks.Instance> instances;
      try {
        instances = MappedTasks.expand(mapped.getTaskId(), mapped.getSpecJson(), mapped.getMapOver(), resultJson,
            settings.limits().maxRunTasks() - run.getTaskCount());
      } catch (SpecException e) {
        outcomes.failWithoutAttempt(mapped, FailureKind.INVALID_SPEC, "cannot map over the result of task '" + mapped.getMapOver() + "': "
            + e.getMessage(), atMs, d);
        continue;
      }
      d.record(new TaskMapped(runId, mapped.getTaskId(), instances.size(), atMs));
      int index = run.getTaskCount();
      for (MappedTasks.Instance i : instances) {
        d.record(new MapInstanceCreated(runId, mapped.getTaskId(), instance(mapped, i), index++));
      }
    }
  }

  /** The mapped task's dependencies are met: it runs its instances, or succeeds at once when it has none. */
  void start(TaskState mapped, long atMs, Decisions d) {
    if (mapped.getMapCount() != null) {
      startCount(mapped, atMs, d);
      return;
    }
    String runId = mapped.getRunId();
    d.record(new MappedTaskStarted(runId, mapped.getTaskId(), atMs));
    int n = mapped.getInstances() == null ? 0 : mapped.getInstances();
    if (n == 0) {
      outcomes.complete(state.task(runId, mapped.getTaskId()), TaskStatus.SUCCEEDED, atMs, null, null, null, d);
      return;
    }
    for (int i = 0; i < n; i++) {
      TaskState instance = state.task(runId, MappedTasks.instanceId(mapped.getTaskId(), i));
      if (TaskStatus.PENDING.name().equals(instance.getStatus())) outcomes.dispatch(instance, atMs, d);
    }
  }

  /**
   * A task mapped over a count starts: its first slice of instances is created and dispatched, and a MAP_SLICE_DUE
   * timer asks for the next one. A count the run has no room for, or a template that does not expand (a field of the
   * item named: the index is a number), fails it before anything starts.
   */
  private void startCount(TaskState mapped, long atMs, Decisions d) {
    String runId = mapped.getRunId();
    int n = mapped.getMapCount();
    int room = settings.limits().maxRunTasks() - state.run(runId).getTaskCount();
    if (n > room) {
      outcomes.failWithoutAttempt(mapped, FailureKind.INVALID_SPEC, "mapOver.count " + n + " would take the run over "
          + "its task limit (" + Math.max(0, room) + " more tasks allowed; --max-run-tasks on "
          + "weft coordinator, weft dev or weft run allows more)", atMs, d);
      return;
    }
    List<MappedTasks.Instance> first;
    try {
      first = MappedTasks.expandRange(mapped.getTaskId(), mapped.getSpecJson(), 0, Math.min(n, settings.sliceTasks()));
    } catch (SpecException e) {
      outcomes.failWithoutAttempt(mapped, FailureKind.INVALID_SPEC, "cannot expand mapOver.count: " + e.getMessage(),
          atMs, d);
      return;
    }
    d.record(new MappedTaskStarted(runId, mapped.getTaskId(), atMs));
    d.record(new TaskMapped(runId, mapped.getTaskId(), n, atMs));
    if (n == 0) {
      outcomes.complete(state.task(runId, mapped.getTaskId()), TaskStatus.SUCCEEDED, atMs, null, null, null, d);
      return;
    }
    createSlice(mapped.getTaskId(), runId, first, atMs, d);
  }

  /**
   * MAP_SLICE_DUE: the next slice of a task mapped over a count, unless the task was cancelled (truncated) or ended
   * meanwhile, or the slice was created already (the event folded twice). The timer goes either way.
   */
  void nextSlice(TaskEvent e, Decisions d) {
    String runId = e.getRunId();
    int from = e.getAttempt();
    d.record(new MapSliceTaken(runId, e.getTaskId(), from));
    TaskState mapped = state.task(runId, e.getTaskId());
    if (mapped == null || mapped.getMapCount() == null || !TaskStatus.RUNNING.name().equals(mapped.getStatus())
        || mapped.getInstancesCreated() != from || mapped.getInstances() == null || from >= mapped.getInstances()) {
      d.ignored("MAP_SLICE_DUE no longer applies", e);
      return;
    }
    List<MappedTasks.Instance> slice;
    try {
      slice = MappedTasks.expandRange(mapped.getTaskId(), mapped.getSpecJson(), from,
          Math.min(mapped.getInstances(), from + settings.sliceTasks()));
    } catch (SpecException ex) {
      // The first slice expanded, and an index changes nothing a template can name: this is a bug.
      throw new IllegalStateException("slice from " + from + " of " + runId + "/" + mapped.getTaskId()
          + " does not expand although the first did: " + ex.getMessage(), ex);
    }
    createSlice(mapped.getTaskId(), runId, slice, e.getAtMs(), d);
  }

  /** Creates and dispatches {@code slice}, and asks for the next slice when instances remain. */
  private void createSlice(String mappedId, String runId, List<MappedTasks.Instance> slice, long atMs, Decisions d) {
    int index = state.run(runId).getTaskCount();
    for (MappedTasks.Instance i : slice) {
      d.record(new MapInstanceCreated(runId, mappedId, instance(state.task(runId, mappedId), i), index++));
      outcomes.dispatch(state.task(runId, i.id()), atMs, d);
    }
    TaskState mapped = state.task(runId, mappedId);
    if (mapped.getInstancesCreated() < mapped.getInstances()) {
      d.record(new MapSliceDue(runId, mappedId, mapped.getInstancesCreated()));
    }
  }

  /**
   * A cancel reached a task mapped over a count before every instance existed: it keeps the instances created so far
   * and ends CANCELLED with them (at once when they all ended already). The caller cancels those instances.
   */
  void truncate(TaskState mapped, long atMs, Decisions d) {
    if (mapped.getMapCount() == null || !TaskStatus.RUNNING.name().equals(mapped.getStatus())
        || mapped.getInstances() == null || mapped.getInstancesCreated() >= mapped.getInstances()) {
      return;
    }
    d.record(new MapTruncated(mapped.getRunId(), mapped.getTaskId(), mapped.getInstancesCreated()));
    TaskState now = state.task(mapped.getRunId(), mapped.getTaskId());
    if (now.getInstancesEnded() >= now.getInstances()) endWithInstances(now, atMs, d);
  }

  /** An instance ended: counted on its mapped task, which ends with its last instance. */
  void instanceEnded(TaskState instance, long atMs, Decisions d) {
    String runId = instance.getRunId();
    TaskState parent = state.task(runId, instance.getMapParent());
    if (parent == null || TaskStatuses.isTerminal(parent.getStatus())) return;
    d.record(new MapInstanceEnded(runId, parent.getTaskId(), instance.getTaskId(),
        TaskStatus.valueOf(instance.getStatus())));
    parent = state.task(runId, parent.getTaskId());
    if (parent.getInstancesEnded() < parent.getInstances()) return;
    // Only a started parent ends with its instances; one still PENDING (its instances were cancelled before it
    // started) is ended by whoever cancelled it.
    if (!TaskStatus.RUNNING.name().equals(parent.getStatus())) return;
    endWithInstances(parent, atMs, d);
  }

  /**
   * Every instance of a running mapped task ended: SUCCEEDED when all succeeded (or were skipped); CANCELLED when it
   * was cut short by a cancel, only cancellations ended it, or the run is being cancelled; FAILED otherwise.
   */
  private void endWithInstances(TaskState parent, long atMs, Decisions d) {
    String runId = parent.getRunId();
    boolean truncated = parent.getMapCount() != null && parent.getInstances() < parent.getMapCount();
    if (parent.getInstancesFailed() == 0 && !truncated) {
      outcomes.complete(parent, TaskStatus.SUCCEEDED, atMs, null, null, null, d);
    } else if (truncated || onlyCancelled(parent) || RunStatus.CANCELLING.name().equals(state.run(runId).getStatus())) {
      outcomes.abandon(parent, TaskStatus.CANCELLED, truncated
          ? "cancelled after " + parent.getInstances() + " of " + parent.getMapCount() + " instances were created"
          : parent.getInstancesFailed() + " of " + parent.getInstances() + " instances were cancelled", atMs, d);
      outcomes.abandonDownstream(parent, TaskStatus.CANCELLED, "upstream task '" + parent.getTaskId()
          + "' was cancelled", atMs, d);
      outcomes.afterTaskEnded(runId, atMs, d);
    } else {
      outcomes.failWithoutAttempt(parent, FailureKind.OTHER, parent.getInstancesFailed() + " of " + parent.getInstances()
          + " instances did not succeed: " + String.join(", ", parent.getFailedInstances())
          + (parent.getInstancesFailed() > parent.getFailedInstances().size() ? ", ..." : ""), atMs, d);
    }
  }

  private static boolean onlyCancelled(TaskState parent) {
    return parent.getInstancesFailed() == parent.getFailedInstances().size()
        && parent.getFailedInstances().stream().allMatch(f -> f.endsWith(" " + TaskStatus.CANCELLED.name()));
  }

  /**
   * An instance runs like its mapped task: same executor, retry policy and timeouts; its item substituted, in its
   * notBefore time too (a time that names no item held the mapped task itself, and has passed).
   */
  private static ResolvedTask instance(TaskState mapped, MappedTasks.Instance i) {
    RetryPolicy retry = new RetryPolicy(mapped.getMaxAttempts(), mapped.getBackoffMs(), mapped.getMultiplier(),
        mapped.getMaxBackoffMs(), mapped.getJitter(), List.copyOf(mapped.getNonRetryableExitCodes()));
    // Its dependencies are its mapped task's (their outputs are its inputs); it waits for none itself, since it is
    // dispatched only when its mapped task starts.
    return new ResolvedTask(i.id(), mapped.getExecutor(), List.copyOf(mapped.getDependsOn()), retry,
        mapped.getTimeoutMs(), mapped.getHeartbeatTimeoutMs(), mapped.getQueueTimeoutMs(), i.output(), List.of(),
        i.specJson(), null, i.notBeforeMs() != 0 ? i.notBeforeMs() : mapped.getNotBeforeMs(), null);
  }
}
