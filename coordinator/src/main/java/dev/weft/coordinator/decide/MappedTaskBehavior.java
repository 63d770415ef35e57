package dev.weft.coordinator.decide;

import dev.weft.avro.FailureKind;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.event.CoordinatorEvent.MapInstanceCreated;
import dev.weft.coordinator.event.CoordinatorEvent.MapInstanceEnded;
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
    return t.getMapOver() != null;
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
            settings.limits().maxTasks() - run.getTaskCount());
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
    if (parent.getInstancesFailed() == 0) {
      outcomes.complete(parent, TaskStatus.SUCCEEDED, atMs, null, null, null, d);
    } else if (onlyCancelled(parent) || RunStatus.CANCELLING.name().equals(state.run(runId).getStatus())) {
      outcomes.abandon(parent, TaskStatus.CANCELLED, parent.getInstancesFailed() + " of " + parent.getInstances()
          + " instances were cancelled", atMs, d);
      outcomes.abandonDownstream(parent, TaskStatus.CANCELLED, "upstream task '" + parent.getTaskId()
          + "' was cancelled", atMs, d);
      outcomes.finishRunIfDone(runId, atMs, d);
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

  /** An instance runs like its mapped task: same executor, retry policy and timeouts; its item substituted. */
  private static ResolvedTask instance(TaskState mapped, MappedTasks.Instance i) {
    RetryPolicy retry = new RetryPolicy(mapped.getMaxAttempts(), mapped.getBackoffMs(), mapped.getMultiplier(),
        mapped.getMaxBackoffMs(), mapped.getJitter(), List.copyOf(mapped.getNonRetryableExitCodes()));
    // Its dependencies are its mapped task's (their outputs are its inputs); it waits for none itself, since it is
    // dispatched only when its mapped task starts.
    return new ResolvedTask(i.id(), mapped.getExecutor(), List.copyOf(mapped.getDependsOn()), retry,
        mapped.getTimeoutMs(), mapped.getHeartbeatTimeoutMs(), mapped.getQueueTimeoutMs(), i.output(), List.of(),
        i.specJson());
  }
}
