package dev.weft.coordinator.decide;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunRequest;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.event.CoordinatorEvent.RunAccepted;
import dev.weft.coordinator.event.CoordinatorEvent.RunCancelRequested;
import dev.weft.coordinator.event.CoordinatorEvent.RunFinishWatched;
import dev.weft.coordinator.event.CoordinatorEvent.RunOriginKept;
import dev.weft.coordinator.event.CoordinatorEvent.RunSpecKept;
import dev.weft.coordinator.event.CoordinatorEvent.TaskCreated;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import dev.weft.coordinator.state.TaskStatuses;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import dev.weft.spec.ResolvedPipeline;
import dev.weft.spec.ResolvedTask;
import dev.weft.spec.SpecException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides on pipeline requests: accept a valid SUBMIT (create its tasks, dispatch the roots), reject an invalid one
 * with every problem found, answer a re-published one with the existing run, and cancel runs or tasks.
 */
public final class RunRequestDecider {
  static final int MAX_TASK_IDS_IN_EVENT = 10_000;
  private final CoordinatorState state;
  private final TaskOutcomeBehavior outcomes;
  private final DeciderSettings settings;

  public RunRequestDecider(CoordinatorState state, DeciderSettings settings) {
    this.state = state;
    this.outcomes = new TaskOutcomeBehavior(state, settings);
    this.settings = settings;
  }

  public void decide(RunRequest request, Decisions d) {
    switch (request.getKind()) {
      case SUBMIT -> submit(request, d);
      case CANCEL -> cancel(request, d);
      default -> reject(request, "unknown request kind " + request.getKind() + "; expected SUBMIT or CANCEL", d);
    }
  }

  /**
   * A SUBMIT for a run id the coordinator holds is answered with that run when the idempotency key matches. Once a
   * finished run has expired (retainFinished after it finished) the coordinator holds nothing of it, its idempotency
   * key included, so the same request published again is a new run and runs the pipeline again. Idempotency keys
   * guard against a request published twice within the retention (client retries), as Stripe's expire after a day;
   * remembering every key forever would be the unbounded state that expiry removes.
   */
  private void submit(RunRequest r, Decisions d) {
    RunState existing = state.run(r.getRunId());
    if (existing != null) {
      if (r.getIdempotencyKey() != null && Objects.equals(r.getIdempotencyKey(), existing.getIdempotencyKey())) {
        if (r.getStartedBy() != null) watch(existing, r.getStartedBy(), r.getRequestedAtMs(), d);
        d.runEvent(RunEvent.newBuilder().setKind(RunEventKind.RUN_ACCEPTED).setRunId(r.getRunId())
            .setAtMs(r.getRequestedAtMs()).setPipeline(existing.getPipeline()).setExisting(true)
            .setTaskCount(existing.getTaskCount()).setRunStatus(RunStatus.valueOf(existing.getStatus()))
            .setCounts(new HashMap<>(existing.getCounts())).build());
      } else {
        reject(r, "run id '" + r.getRunId() + "' is already taken by another request; submit with a new run id, or "
            + "with the same idempotency key to get the existing run", d);
      }
      return;
    }
    ResolvedPipeline pipeline;
    try {
      PipelineSpec spec = PipelineSpecs.parse(r.getSpecJson(), settings.limits());
      pipeline = PipelineSpecs.resolve(spec, r.getParams(), settings.limits());
    } catch (SpecException e) {
      reject(r, "invalid pipeline spec:\n" + e.getMessage(), d);
      return;
    }
    List<String> unknown = r.getCarriedOver().stream()
        .filter(id -> pipeline.tasks().stream().noneMatch(t -> t.id().equals(id))).toList();
    if (!unknown.isEmpty()) {
      reject(r, "carriedOver names tasks the spec does not have: " + unknown, d);
      return;
    }
    accept(r, pipeline, d);
  }

  /**
   * A backfill asked for a run that exists already (the same idempotency key: another backfill over the same value).
   * It is told when that run ends, or at once when it has.
   */
  private void watch(RunState run, String watcherId, long atMs, Decisions d) {
    RunStatus status = RunStatus.valueOf(run.getStatus());
    if (status != RunStatus.RUNNING && status != RunStatus.CANCELLING) {
      d.taskEvent(RunNotices.childRunFinished(watcherId, run.getRunId(), status.name(), atMs));
    } else if (!run.getNotifyOnFinish().contains(watcherId)) {
      d.record(new RunFinishWatched(run.getRunId(), watcherId));
    }
  }

  private void accept(RunRequest r, ResolvedPipeline p, Decisions d) {
    String runId = r.getRunId();
    long at = r.getRequestedAtMs();
    String specHash = SpecHashes.of(r.getSpecJson());
    d.record(new RunAccepted(runId, p.name(), r.getRequester(), r.getIdempotencyKey(), p.params(), at, at,
        p.tasks().size(), specHash));
    Map<String, List<String>> dependants = new HashMap<>();
    for (ResolvedTask t : p.tasks()) {
      for (String dep : t.dependsOn()) { // each named once (ResolvedTask)
        dependants.computeIfAbsent(dep, k -> new ArrayList<>()).add(t.id());
      }
    }
    for (int i = 0; i < p.tasks().size(); i++) {
      ResolvedTask t = p.tasks().get(i);
      d.record(new TaskCreated(runId, t, i, dependants.getOrDefault(t.id(), List.of())));
    }
    d.record(new RunSpecKept(runId, r.getSpecJson()));
    if (r.getRerunOf() != null || r.getStartedBy() != null) {
      d.record(new RunOriginKept(runId, r.getRerunOf(), r.getStartedBy()));
    }
    List<String> ids = p.tasks().stream().limit(MAX_TASK_IDS_IN_EVENT).map(ResolvedTask::id).toList();
    d.runEvent(RunEvent.newBuilder().setKind(RunEventKind.RUN_ACCEPTED).setRunId(runId).setAtMs(at)
        .setPipeline(p.name()).setTaskCount(p.tasks().size()).setTaskIds(new ArrayList<>(ids))
        .setRunStatus(RunStatus.RUNNING).setRunAcceptedAtMs(at).setParams(new HashMap<>(p.params()))
        .setRequester(r.getRequester()).setSpecHash(specHash).setRerunOf(r.getRerunOf())
        .setStartedBy(r.getStartedBy()).build());
    if (r.getCarriedOver().isEmpty()) {
      for (ResolvedTask t : p.tasks()) {
        if (t.dependsOn().isEmpty()) outcomes.dispatch(state.task(runId, t.id()), at, d);
      }
      return;
    }
    Set<String> carried = new HashSet<>(r.getCarriedOver());
    for (ResolvedTask t : p.tasks()) {
      if (carried.contains(t.id())) outcomes.carryOver(state.task(runId, t.id()), r.getRerunOf(), at, d);
    }
    for (ResolvedTask t : p.tasks()) {
      TaskState task = state.task(runId, t.id());
      if (!carried.contains(t.id()) && state.unmetDependencies(task) == 0) outcomes.dispatch(task, at, d);
    }
    outcomes.afterTaskEnded(runId, at, d); // a wide carried task's next slices; the end, if all was carried over
  }

  private void cancel(RunRequest r, Decisions d) {
    RunState run = state.run(r.getRunId());
    if (run == null) {
      d.ignored("cancel for unknown run", r);
      d.deadLetter("cancel for unknown run '" + r.getRunId() + "': this coordinator never accepted that run, or it "
          + "finished and expired from the coordinator's state " + TaskEventDecider.retention(settings));
      return;
    }
    if (!RunStatus.RUNNING.name().equals(run.getStatus()) && !RunStatus.CANCELLING.name().equals(run.getStatus())) {
      d.ignored("cancel for a finished run", r);
      return;
    }
    long at = r.getRequestedAtMs();
    String reason = r.getReason() == null ? "cancelled by " + (r.getRequester().isEmpty() ? "request" : r.getRequester())
        : r.getReason();
    if (r.getTaskId() == null) {
      d.record(new RunCancelRequested(run.getRunId(), at, reason));
      for (TaskState t : state.tasksOf(run.getRunId())) {
        // An instance of a mapped task is cancelled with its mapped task, once.
        if (t.getMapParent() == null) cancelTask(run, state.task(run.getRunId(), t.getTaskId()), reason, at, d);
      }
    } else {
      TaskState t = state.task(run.getRunId(), r.getTaskId());
      if (t == null) {
        d.ignored("cancel for unknown task", r);
        d.deadLetter("cancel for unknown task '" + r.getTaskId() + "' of run '" + r.getRunId() + "'");
        return;
      }
      cancelTask(run, t, reason, at, d);
      outcomes.abandonDownstream(t, TaskStatus.CANCELLED, "upstream task '" + t.getTaskId() + "' was cancelled", at, d);
    }
    outcomes.afterTaskEnded(run.getRunId(), at, d);
  }

  /**
   * A task not yet at an executor ends CANCELLED at once. A live attempt gets a Cancel command and ends when its
   * executor reports it stopped (so the run is CANCELLED only when nothing runs any more). A dispatched attempt
   * gets the Cancel too, because its executor may be about to start it.
   */
  private void cancelTask(RunState run, TaskState t, String reason, long at, Decisions d) {
    TaskStatus s = TaskStatus.valueOf(t.getStatus());
    if (TaskStatuses.isTerminal(s)) return;
    if (MappedTaskBehavior.isMapped(t)) {
      cancelMapped(run, t, reason, at, d);
      return;
    }
    if (TaskStatuses.isLive(s)) d.command(Outputs.cancelCommand(run, t, at, reason));
    if (s != TaskStatus.RUNNING) outcomes.abandon(t, TaskStatus.CANCELLED, reason, at, d);
  }

  /**
   * A mapped task has no attempt of its own: its instances are cancelled, and it ends CANCELLED with the last of them
   * ({@code MappedTaskBehavior}), or at once when it has not started. One mapped over a count keeps the instances
   * created so far.
   */
  private void cancelMapped(RunState run, TaskState mapped, String reason, long at, Decisions d) {
    // Mapped over a count and still creating slices: no more are created (before its instances are cancelled, so
    // that the last of them to end ends it).
    outcomes.truncateMapped(mapped, at, d);
    int n = MappedTaskBehavior.created(mapped);
    for (int i = 0; i < n; i++) {
      cancelTask(run, state.task(run.getRunId(), dev.weft.spec.MappedTasks.instanceId(mapped.getTaskId(), i)), reason,
          at, d);
    }
    TaskState now = state.task(run.getRunId(), mapped.getTaskId());
    if (!TaskStatuses.isTerminal(now.getStatus()) && !TaskStatus.RUNNING.name().equals(now.getStatus())) {
      outcomes.abandon(now, TaskStatus.CANCELLED, reason, at, d);
    }
  }

  private void reject(RunRequest r, String reason, Decisions d) {
    // The request's own fields, so that history keeps what was asked for even though no run exists.
    d.runEvent(RunEvent.newBuilder().setKind(RunEventKind.RUN_REJECTED).setRunId(r.getRunId())
        .setAtMs(r.getRequestedAtMs()).setReason(reason).setRunStatus(RunStatus.REJECTED)
        .setPipeline(Objects.requireNonNullElse(PipelineSpecs.declaredName(r.getSpecJson()), "")).setRunAcceptedAtMs(r.getRequestedAtMs())
        .setParams(r.getParams() == null ? new HashMap<>() : new HashMap<>(r.getParams()))
        .setRequester(r.getRequester()).setSpecHash(SpecHashes.of(r.getSpecJson())).setRerunOf(r.getRerunOf())
        .setStartedBy(r.getStartedBy()).build());
    if (r.getStartedBy() != null) {
      // The backfill that asked for it must not wait for a run that never started.
      d.taskEvent(RunNotices.childRunFinished(r.getStartedBy(), r.getRunId(), RunStatus.REJECTED.name(),
          r.getRequestedAtMs()));
    }
    d.deadLetter(reason);
  }
}
