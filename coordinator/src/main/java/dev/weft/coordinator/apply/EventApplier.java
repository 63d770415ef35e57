package dev.weft.coordinator.apply;

import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.event.CoordinatorEvent;
import dev.weft.coordinator.event.CoordinatorEvent.AttemptFailed;
import dev.weft.coordinator.event.CoordinatorEvent.AttemptSeen;
import dev.weft.coordinator.event.CoordinatorEvent.AttemptTimedOut;
import dev.weft.coordinator.event.CoordinatorEvent.AttemptStarted;
import dev.weft.coordinator.event.CoordinatorEvent.DependantAdded;
import dev.weft.coordinator.event.CoordinatorEvent.DependantsDeferred;
import dev.weft.coordinator.event.CoordinatorEvent.DependantsReleased;
import dev.weft.coordinator.event.CoordinatorEvent.DependencyAdded;
import dev.weft.coordinator.event.CoordinatorEvent.DependencyMet;
import dev.weft.coordinator.event.CoordinatorEvent.MapInstanceCreated;
import dev.weft.coordinator.event.CoordinatorEvent.MapInstanceEnded;
import dev.weft.coordinator.event.CoordinatorEvent.MapSliceDue;
import dev.weft.coordinator.event.CoordinatorEvent.MapSliceTaken;
import dev.weft.coordinator.event.CoordinatorEvent.MapTruncated;
import dev.weft.coordinator.event.CoordinatorEvent.MappedTaskStarted;
import dev.weft.coordinator.event.CoordinatorEvent.QueueTimerCleared;
import dev.weft.coordinator.event.CoordinatorEvent.QueueTimerSet;
import dev.weft.coordinator.event.CoordinatorEvent.RunAccepted;
import dev.weft.coordinator.event.CoordinatorEvent.RunCancelRequested;
import dev.weft.coordinator.event.CoordinatorEvent.RunExpired;
import dev.weft.coordinator.event.CoordinatorEvent.RunTasksExpired;
import dev.weft.coordinator.event.CoordinatorEvent.RunFinished;
import dev.weft.coordinator.event.CoordinatorEvent.RunFinishWatched;
import dev.weft.coordinator.event.CoordinatorEvent.RunOriginKept;
import dev.weft.coordinator.event.CoordinatorEvent.RunSpecKept;
import dev.weft.coordinator.event.CoordinatorEvent.TaskCarriedOver;
import dev.weft.coordinator.event.CoordinatorEvent.TaskAbandoned;
import dev.weft.coordinator.event.CoordinatorEvent.TaskCompleted;
import dev.weft.coordinator.event.CoordinatorEvent.TaskCreated;
import dev.weft.coordinator.event.CoordinatorEvent.TaskDispatched;
import dev.weft.coordinator.event.CoordinatorEvent.TaskHeldUntil;
import dev.weft.coordinator.event.CoordinatorEvent.TaskMapped;
import dev.weft.coordinator.event.CoordinatorEvent.TaskSpawned;
import dev.weft.coordinator.event.CoordinatorEvent.TimerFired;
import dev.weft.coordinator.state.AttemptFailure;
import dev.weft.coordinator.state.DeferredRelease;
import dev.weft.coordinator.state.MutableCoordinatorState;
import dev.weft.coordinator.state.QueueTimer;
import dev.weft.coordinator.state.RunIndexEntry;
import dev.weft.coordinator.state.RunSpec;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import dev.weft.coordinator.state.TimerEntry;
import dev.weft.coordinator.state.TaskStatuses;
import dev.weft.spec.ResolvedTask;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The only writer of coordinator state. Each method applies one kind of {@link CoordinatorEvent}; none reads a
 * clock, does I/O or draws a random number, so replaying events reproduces the state exactly.
 *
 * <p>It changes copies ({@code runForUpdate}, {@code taskForUpdate}) and puts them back, never a value read for
 * deciding, and it replaces a collection field with a new collection instead of changing it in place: that is what
 * lets a decision's changes be staged and thrown away whole when its decider fails
 * ({@code StagedCoordinatorState}).
 */
public final class EventApplier {
  static final int MAX_FAILURES_KEPT = 10;
  /** How many of a mapped task's failed instances its state names (the count is always kept). */
  static final int MAX_FAILED_INSTANCES_KEPT = 10;
  /** How finely a run notes when its attempts last started on each executor ({@code RunState.lastStartedAtMs}). */
  static final long LAST_STARTED_RESOLUTION_MS = 1_000;
  /** The kind of a run's expiry timer; it fires the RUN_EXPIRED task event. */
  private static final String RUN_EXPIRED_TIMER = "RUN_EXPIRED";
  /**
   * The kind of a count-mapped task's next-slice timer; it fires the MAP_SLICE_DUE task event. Due at 0, i.e. at the
   * next tick, and keyed by the slice's first index, so that deleting it needs nothing but the event.
   */
  private static final String MAP_SLICE_TIMER = "MAP_SLICE_DUE";
  /** The kind of a run's queue timer for one executor group; it fires the QUEUE_TIMER_DUE task event. */
  private static final String QUEUE_TIMER = "QUEUE_TIMER_DUE";
  /** The kind of a held task's timer; it fires the NOT_BEFORE_REACHED task event. */
  private static final String NOT_BEFORE_TIMER = "NOT_BEFORE_REACHED";
  private final MutableCoordinatorState state;
  private final BackfillApplier backfills;
  private final ScheduleApplier schedules;

  public EventApplier(MutableCoordinatorState state) {
    this.state = state;
    this.backfills = new BackfillApplier(state);
    this.schedules = new ScheduleApplier(state);
  }

  public void apply(CoordinatorEvent event) {
    if (event instanceof RunAccepted e) runAccepted(e);
    else if (event instanceof TaskCreated e) taskCreated(e);
    else if (event instanceof TaskDispatched e) taskDispatched(e);
    else if (event instanceof TaskHeldUntil e) taskHeldUntil(e);
    else if (event instanceof AttemptStarted e) attemptStarted(e);
    else if (event instanceof AttemptSeen e) attemptSeen(e);
    else if (event instanceof AttemptTimedOut e) attemptTimedOut(e);
    else if (event instanceof TaskCompleted e) taskCompleted(e);
    else if (event instanceof DependencyMet e) dependencyMet(e);
    else if (event instanceof DependantsDeferred e) dependantsDeferred(e);
    else if (event instanceof DependantsReleased e) dependantsReleased(e);
    else if (event instanceof QueueTimerSet e) queueTimerSet(e);
    else if (event instanceof QueueTimerCleared e) queueTimerCleared(e);
    else if (event instanceof AttemptFailed e) attemptFailed(e);
    else if (event instanceof TaskAbandoned e) taskAbandoned(e);
    else if (event instanceof TaskMapped e) taskMapped(e);
    else if (event instanceof MapInstanceCreated e) mapInstanceCreated(e);
    else if (event instanceof MappedTaskStarted e) mappedTaskStarted(e);
    else if (event instanceof MapInstanceEnded e) mapInstanceEnded(e);
    else if (event instanceof MapSliceDue e) state.putTimer(sliceTimer(e.runId(), e.taskId(), e.from()));
    else if (event instanceof MapSliceTaken e) state.deleteTimer(sliceTimer(e.runId(), e.taskId(), e.from()));
    else if (event instanceof MapTruncated e) mapTruncated(e);
    else if (event instanceof TaskSpawned e) taskSpawned(e);
    else if (event instanceof DependantAdded e) dependantAdded(e);
    else if (event instanceof DependencyAdded e) dependencyAdded(e);
    else if (event instanceof RunCancelRequested e) runCancelRequested(e);
    else if (event instanceof RunFinished e) runFinished(e);
    else if (event instanceof RunExpired e) runExpired(e);
    else if (event instanceof RunTasksExpired e) runTasksExpired(e);
    else if (event instanceof TimerFired e) state.deleteTimer(e.timer());
    else if (event instanceof RunSpecKept e) state.putRunSpec(new RunSpec(e.runId(), e.specJson()));
    else if (event instanceof RunOriginKept e) runOriginKept(e);
    else if (event instanceof TaskCarriedOver e) taskCarriedOver(e);
    else if (event instanceof RunFinishWatched e) runFinishWatched(e);
    else if (!backfills.apply(event) && !schedules.apply(event)) throw new IllegalArgumentException("no applier for " + event.getClass().getSimpleName());
  }

  private void runAccepted(RunAccepted e) {
    Map<String, Integer> counts = new HashMap<>();
    counts.put(TaskStatus.PENDING.name(), e.taskCount());
    state.putRun(RunState.newBuilder()
        .setRunId(e.runId())
        .setPipeline(e.pipeline())
        .setStatus(RunStatus.RUNNING.name())
        .setRequester(e.requester())
        .setIdempotencyKey(e.idempotencyKey())
        .setParams(new HashMap<>(e.params()))
        .setRequestedAtMs(e.requestedAtMs())
        .setAcceptedAtMs(e.acceptedAtMs())
        .setTaskCount(e.taskCount())
        .setUnfinished(e.taskCount())
        .setCounts(counts)
        .setSpecHash(e.specHash())
        .build());
    state.putRunIndex(new RunIndexEntry(e.runId(), e.pipeline(), RunStatus.RUNNING.name(), e.acceptedAtMs()));
  }

  private void taskCreated(TaskCreated e) {
    // each dependency named once (ResolvedTask)
    state.putTask(newTask(e.runId(), e.task(), e.index(), e.dependants(), e.task().dependsOn().size()));
  }

  private void taskMapped(TaskMapped e) {
    TaskState t = task(e.runId(), e.taskId());
    t.setInstances(e.instances());
    state.putTask(t);
  }

  private void mapInstanceCreated(MapInstanceCreated e) {
    TaskState t = newTask(e.runId(), e.task(), e.index(), List.of(), 0);
    t.setMapParent(e.parentId());
    state.putTask(t);
    TaskState parent = task(e.runId(), e.parentId());
    parent.setInstancesCreated(parent.getInstancesCreated() + 1);
    state.putTask(parent);
    taskAdded(e.runId());
  }

  private void mapTruncated(MapTruncated e) {
    TaskState t = task(e.runId(), e.taskId());
    t.setInstances(e.instances());
    state.putTask(t);
  }

  private void dependantsDeferred(DependantsDeferred e) {
    RunState r = state.runForUpdate(e.runId());
    List<DeferredRelease> releases = new ArrayList<>(r.getDeferredReleases());
    DeferredRelease next = new DeferredRelease(e.taskId(), e.from());
    int at = deferredIndex(releases, e.taskId());
    if (at < 0) releases.add(next);
    else releases.set(at, next);
    r.setDeferredReleases(releases);
    state.putRun(r);
  }

  private void dependantsReleased(DependantsReleased e) {
    RunState r = state.runForUpdate(e.runId());
    List<DeferredRelease> releases = new ArrayList<>(r.getDeferredReleases());
    int at = deferredIndex(releases, e.taskId());
    if (at < 0) return;
    releases.remove(at);
    r.setDeferredReleases(releases);
    state.putRun(r);
  }

  private static int deferredIndex(List<DeferredRelease> releases, String taskId) {
    for (int i = 0; i < releases.size(); i++) {
      if (releases.get(i).getTaskId().equals(taskId)) return i;
    }
    return -1;
  }

  private static TimerEntry sliceTimer(String runId, String taskId, int from) {
    return new TimerEntry(MAP_SLICE_TIMER, runId, taskId, from, 0L);
  }

  private void mappedTaskStarted(MappedTaskStarted e) {
    TaskState t = task(e.runId(), e.taskId());
    clearTimers(t); // a hold for its notBefore time
    t.setStartedAtMs(e.atMs());
    setStatus(t, TaskStatus.RUNNING);
  }

  private void mapInstanceEnded(MapInstanceEnded e) {
    TaskState t = task(e.runId(), e.parentId());
    t.setInstancesEnded(t.getInstancesEnded() + 1);
    if (!TaskStatuses.satisfiesDependants(e.status())) {
      t.setInstancesFailed(t.getInstancesFailed() + 1);
      if (t.getFailedInstances().size() < MAX_FAILED_INSTANCES_KEPT) {
        List<String> failed = new ArrayList<>(t.getFailedInstances());
        failed.add(e.instanceId() + " " + e.status().name());
        t.setFailedInstances(failed);
      }
    }
    state.putTask(t);
  }

  private void taskSpawned(TaskSpawned e) {
    TaskState t = newTask(e.runId(), e.task(), e.index(), e.dependants(), e.unmetDeps());
    t.setSpawnedBy(e.spawnerId());
    state.putTask(t);
    taskAdded(e.runId());
  }

  private void dependantAdded(DependantAdded e) {
    TaskState t = task(e.runId(), e.taskId());
    List<String> dependants = new ArrayList<>(t.getDependants());
    dependants.add(e.dependantId());
    t.setDependants(dependants);
    state.putTask(t);
  }

  private void dependencyAdded(DependencyAdded e) {
    TaskState t = task(e.runId(), e.taskId());
    t.setUnmetDeps(t.getUnmetDeps() + 1);
    List<String> dependsOn = new ArrayList<>(t.getDependsOn());
    dependsOn.add(e.dependencyId());
    t.setDependsOn(dependsOn);
    state.putTask(t);
  }

  /** A task that joined a running run (spawned, or an instance of a mapped task): one more PENDING and unfinished. */
  private void taskAdded(String runId) {
    RunState r = state.runForUpdate(runId);
    Map<String, Integer> counts = new HashMap<>(r.getCounts());
    counts.merge(TaskStatus.PENDING.name(), 1, Integer::sum);
    r.setCounts(counts);
    r.setTaskCount(r.getTaskCount() + 1);
    r.setUnfinished(r.getUnfinished() + 1);
    state.putRun(r);
  }

  private static TaskState newTask(String runId, ResolvedTask t, int index, List<String> dependants, int unmetDeps) {
    // Not the builder: it deep-copies the schema default of every field left unset, a few % of a replay for 14
    // zeros and nulls. The fields left out here are those whose default is Java's own (0 or null); failures and
    // failedInstances are the lists with a default, set below.
    TaskState s = new TaskState();
    s.setRunId(runId);
    s.setTaskId(t.id());
    s.setExecutor(t.executor());
    s.setIndex(index);
    s.setStatus(TaskStatus.PENDING.name());
    s.setUnmetDeps(unmetDeps);
    s.setDependants(new ArrayList<>(dependants));
    s.setSpecJson(t.specJson());
    s.setMaxAttempts(t.retry().maxAttempts());
    s.setBackoffMs(t.retry().backoffMs());
    s.setMultiplier(t.retry().multiplier());
    s.setMaxBackoffMs(t.retry().maxBackoffMs());
    s.setJitter(t.retry().jitter());
    s.setNonRetryableExitCodes(new ArrayList<>(t.retry().nonRetryableExitCodes()));
    s.setTimeoutMs(t.timeoutMs());
    s.setHeartbeatTimeoutMs(t.heartbeatTimeoutMs());
    s.setQueueTimeoutMs(t.queueTimeoutMs());
    s.setFailures(new ArrayList<>());
    s.setOutput(t.output());
    s.setDependsOn(new ArrayList<>(t.dependsOn()));
    s.setMapOver(t.mapOver());
    s.setMapCount(t.mapCount());
    s.setFailedInstances(new ArrayList<>());
    s.setNotBeforeMs(t.notBeforeMs());
    return s;
  }


  private void taskHeldUntil(TaskHeldUntil e) {
    TaskState t = task(e.runId(), e.taskId());
    t.setHeldUntilMs(e.untilMs());
    state.putTimer(timer(t, NOT_BEFORE_TIMER, e.untilMs()));
    state.putTask(t);
  }

  private void taskDispatched(TaskDispatched e) {
    TaskState t = task(e.runId(), e.taskId());
    clearTimers(t);
    t.setAttempt(e.attempt());
    t.setDispatchedAtMs(e.atMs());
    t.setStartedAtMs(0L);
    t.setHandle(null);
    t.setSource(null);
    t.setTrackingUrl(null);
    t.setPhase(null);
    // The earliest it may time out; the run's queue timer for its group (QueueTimerSet) is what fires.
    if (t.getQueueTimeoutMs() > 0) t.setQueueTimeoutAtMs(e.atMs() + t.getQueueTimeoutMs());
    setStatus(t, TaskStatus.DISPATCHED);
  }

  private void attemptStarted(AttemptStarted e) {
    TaskState t = task(e.runId(), e.taskId());
    clearQueueTimer(t);
    t.setStartedAtMs(e.atMs());
    t.setSource(e.source());
    t.setLastSeenAtMs(e.atMs());
    if (t.getTimeoutMs() > 0) {
      t.setTimeoutAtMs(e.atMs() + t.getTimeoutMs());
      state.putTimer(timer(t, "ATTEMPT_TIMED_OUT", t.getTimeoutAtMs()));
    }
    t.setLostAtMs(e.atMs() + t.getHeartbeatTimeoutMs());
    state.putTimer(timer(t, "ATTEMPT_LOST", t.getLostAtMs()));
    setStatus(t, TaskStatus.RUNNING);
    startedOn(t.getRunId(), t.getExecutor(), e.atMs());
  }

  /**
   * Notes on the run when one of its attempts started on {@code executor}, to the second: a copy of the map at most
   * once a second per executor, not at every start of a busy run.
   */
  private void startedOn(String runId, String executor, long atMs) {
    RunState r = state.run(runId);
    Long last = r.getLastStartedAtMs().get(executor);
    if (last != null && atMs - last < LAST_STARTED_RESOLUTION_MS) return;
    r = state.runForUpdate(runId);
    Map<String, Long> lastStarted = new HashMap<>(r.getLastStartedAtMs());
    lastStarted.put(executor, atMs);
    r.setLastStartedAtMs(lastStarted);
    state.putRun(r);
  }

  private void queueTimerSet(QueueTimerSet e) {
    RunState r = state.runForUpdate(e.runId());
    Map<String, QueueTimer> timers = new HashMap<>(r.getQueueTimers());
    QueueTimer previous = timers.put(e.executor(), new QueueTimer(e.dueAtMs(), e.queueTimeoutMs()));
    // Deleted here as well as when it fired: a replay folds QUEUE_TIMER_DUE without firing timers.
    if (previous != null) state.deleteTimer(queueTimer(e.runId(), e.executor(), previous.getDueAtMs()));
    state.putTimer(queueTimer(e.runId(), e.executor(), e.dueAtMs()));
    r.setQueueTimers(timers);
    state.putRun(r);
  }

  private void queueTimerCleared(QueueTimerCleared e) {
    RunState r = state.runForUpdate(e.runId());
    Map<String, QueueTimer> timers = new HashMap<>(r.getQueueTimers());
    QueueTimer previous = timers.remove(e.executor());
    if (previous == null) return;
    state.deleteTimer(queueTimer(e.runId(), e.executor(), previous.getDueAtMs()));
    r.setQueueTimers(timers);
    state.putRun(r);
  }

  /** A run's queue timer for one executor group: the group's name where an attempt's timer has its task's id. */
  private static TimerEntry queueTimer(String runId, String executor, long dueAtMs) {
    return new TimerEntry(QUEUE_TIMER, runId, executor, 0, dueAtMs);
  }

  private void attemptSeen(AttemptSeen e) {
    TaskState t = task(e.runId(), e.taskId());
    t.setLastSeenAtMs(e.atMs());
    if (e.handle() != null) t.setHandle(e.handle());
    if (e.trackingUrl() != null) t.setTrackingUrl(e.trackingUrl());
    if (e.phase() != null) t.setPhase(e.phase());
    if (t.getLostAtMs() > 0) {
      state.deleteTimer(timer(t, "ATTEMPT_LOST", t.getLostAtMs()));
      t.setLostAtMs(e.atMs() + t.getHeartbeatTimeoutMs());
      state.putTimer(timer(t, "ATTEMPT_LOST", t.getLostAtMs()));
    }
    state.putTask(t);
  }

  private void attemptTimedOut(AttemptTimedOut e) {
    TaskState t = task(e.runId(), e.taskId());
    // The timer that fired is deleted here as well as when it fired: a replay folds its event without firing it.
    state.deleteTimer(timer(t, "ATTEMPT_TIMED_OUT", t.getTimeoutAtMs()));
    t.setTimedOutAtMs(e.atMs());
    t.setTimeoutAtMs(e.stopDeadlineMs());
    state.putTimer(timer(t, "ATTEMPT_TIMED_OUT", t.getTimeoutAtMs()));
    state.putTask(t);
  }

  private void taskCompleted(TaskCompleted e) {
    TaskState t = task(e.runId(), e.taskId());
    clearTimers(t);
    t.setFinishedAtMs(e.atMs());
    t.setLastExitCode(e.exitCode());
    if (e.logTail() != null) t.setLogTail(e.logTail());
    setStatus(t, e.status());
  }

  /**
   * Counted beside the task, not in its record: a fan-in's record names all its dependencies, and rewriting it for
   * each one met rewrote it whole in every commit while they ended. The count is folded into the record when the
   * task leaves PENDING ({@link #setStatus}).
   */
  private void dependencyMet(DependencyMet e) {
    required(state.task(e.runId(), e.taskId()), e.runId(), e.taskId());
    state.putDependenciesMet(e.runId(), e.taskId(), state.dependenciesMet(e.runId(), e.taskId()) + 1);
  }

  private void attemptFailed(AttemptFailed e) {
    TaskState t = task(e.runId(), e.taskId());
    clearTimers(t);
    List<AttemptFailure> failures = new ArrayList<>(t.getFailures());
    failures.add(new AttemptFailure(e.attempt(), e.atMs(), e.kind().name(), e.exitCode(), e.reason() == null ? "" : e.reason()));
    if (failures.size() > MAX_FAILURES_KEPT) failures = failures.subList(failures.size() - MAX_FAILURES_KEPT, failures.size());
    t.setFailures(new ArrayList<>(failures));
    t.setLastExitCode(e.exitCode());
    t.setLastFailureKind(e.kind().name());
    t.setLastReason(e.reason());
    if (e.logTail() != null) t.setLogTail(e.logTail());
    if (e.retryAtMs() > 0) {
      t.setRetryDueAtMs(e.retryAtMs());
      state.putTimer(timer(t, "RETRY_DUE", e.retryAtMs()));
      setStatus(t, TaskStatus.RETRY_WAIT);
    } else {
      t.setFinishedAtMs(e.atMs());
      setStatus(t, e.terminalStatus());
    }
  }

  private void taskAbandoned(TaskAbandoned e) {
    TaskState t = task(e.runId(), e.taskId());
    clearTimers(t);
    t.setFinishedAtMs(e.atMs());
    if (e.reason() != null) t.setLastReason(e.reason());
    setStatus(t, e.status());
  }

  private void runCancelRequested(RunCancelRequested e) {
    RunState r = state.runForUpdate(e.runId());
    r.setStatus(RunStatus.CANCELLING.name());
    r.setCancelReason(e.reason());
    state.putRun(r);
    state.putRunIndex(indexEntry(r));
  }

  private void runFinished(RunFinished e) {
    RunState r = state.runForUpdate(e.runId());
    // A task still dispatched when its run ends no longer waits for anything.
    r.getQueueTimers().forEach((executor, timer) -> state.deleteTimer(queueTimer(e.runId(), executor, timer.getDueAtMs())));
    r.setQueueTimers(Map.of());
    r.setStatus(e.status().name());
    r.setFinishedAtMs(e.atMs());
    r.setExpiresAtMs(e.expiresAtMs());
    if (e.expiresAtMs() > 0) state.putTimer(expiryTimer(r));
    state.putRun(r);
    state.putRunIndex(indexEntry(r));
  }

  private void runOriginKept(RunOriginKept e) {
    RunState r = state.runForUpdate(e.runId());
    r.setRerunOf(e.rerunOf());
    r.setStartedBy(e.startedBy());
    if (e.startedBy() != null) r.setNotifyOnFinish(new ArrayList<>(List.of(e.startedBy())));
    state.putRun(r);
  }

  private void runFinishWatched(RunFinishWatched e) {
    RunState r = state.runForUpdate(e.runId());
    List<String> watchers = new ArrayList<>(r.getNotifyOnFinish());
    if (!watchers.contains(e.watcherId())) watchers.add(e.watcherId());
    r.setNotifyOnFinish(watchers);
    state.putRun(r);
  }

  private void taskCarriedOver(TaskCarriedOver e) {
    TaskState t = task(e.runId(), e.taskId());
    t.setFinishedAtMs(e.atMs());
    t.setLastReason(TaskCarriedOver.REASON_PREFIX + e.fromRunId());
    setStatus(t, TaskStatus.SKIPPED);
  }

  /**
   * Removes every key of the run: its tasks (with any timer they still name), its expiry timer (already deleted when
   * it fired, but not in a replay, which folds the RUN_EXPIRED event without firing anything), its index entry, and
   * the run, whose idempotency key goes with it.
   */
  private void runExpired(RunExpired e) {
    RunState r = state.run(e.runId());
    for (TaskState t : state.tasksOf(e.runId())) deleteTask(state.taskForUpdate(t.getRunId(), t.getTaskId()));
    if (r.getExpiresAtMs() > 0) state.deleteTimer(expiryTimer(r));
    state.deleteTimer(expiryContinues(e.runId()));
    state.deleteRunIndex(indexEntry(r));
    state.deleteRunSpec(e.runId());
    state.deleteRun(e.runId());
  }

  /**
   * A slice of an expiring run's tasks goes, with whatever timers they still name; the timer that carries the expiry
   * on is set again (it was deleted when it fired, but not in a replay, which fires none).
   */
  private void runTasksExpired(RunTasksExpired e) {
    for (String taskId : e.taskIds()) deleteTask(state.taskForUpdate(e.runId(), taskId));
    state.putTimer(expiryContinues(e.runId()));
  }

  /** The RUN_EXPIRED timer of a run whose expiry goes on in slices: attempt 1, due at once. */
  private static TimerEntry expiryContinues(String runId) {
    return new TimerEntry(RUN_EXPIRED_TIMER, runId, "", 1, 0L);
  }

  private static TimerEntry expiryTimer(RunState r) {
    return new TimerEntry(RUN_EXPIRED_TIMER, r.getRunId(), "", 0, r.getExpiresAtMs());
  }

  private static RunIndexEntry indexEntry(RunState r) {
    return new RunIndexEntry(r.getRunId(), r.getPipeline(), r.getStatus(), r.getAcceptedAtMs());
  }

  /** Moves a task to a new status and keeps the run's counters in step with it. */
  private void setStatus(TaskState t, TaskStatus next) {
    TaskStatus previous = TaskStatus.valueOf(t.getStatus());
    if (previous == TaskStatus.PENDING && next != TaskStatus.PENDING) foldDependenciesMet(t);
    t.setStatus(next.name());
    state.putTask(t);
    if (previous == next) return;
    RunState r = state.runForUpdate(t.getRunId());
    Map<String, Integer> counts = new HashMap<>(r.getCounts());
    counts.merge(previous.name(), -1, Integer::sum);
    counts.merge(next.name(), 1, Integer::sum);
    counts.values().removeIf(n -> n == 0);
    r.setCounts(counts);
    if (!TaskStatuses.isTerminal(previous) && TaskStatuses.isTerminal(next)) r.setUnfinished(r.getUnfinished() - 1);
    state.putRun(r);
  }

  /** The task stops waiting: its record takes the count of dependencies met, and the count beside it goes. */
  private void foldDependenciesMet(TaskState t) {
    if (t.getUnmetDeps() == 0) return; // nothing was ever counted beside it
    int met = state.dependenciesMet(t.getRunId(), t.getTaskId());
    if (met == 0) return;
    t.setUnmetDeps(t.getUnmetDeps() - met);
    state.deleteDependenciesMet(t.getRunId(), t.getTaskId());
  }

  /** A task deleted with its run: one still PENDING may have a count beside it. */
  private void deleteTask(TaskState t) {
    clearTimers(t);
    if (TaskStatus.PENDING.name().equals(t.getStatus())) foldDependenciesMet(t);
    state.deleteTask(t.getRunId(), t.getTaskId());
  }

  private void clearTimers(TaskState t) {
    if (t.getRetryDueAtMs() > 0) state.deleteTimer(timer(t, "RETRY_DUE", t.getRetryDueAtMs()));
    if (t.getTimeoutAtMs() > 0) state.deleteTimer(timer(t, "ATTEMPT_TIMED_OUT", t.getTimeoutAtMs()));
    if (t.getLostAtMs() > 0) state.deleteTimer(timer(t, "ATTEMPT_LOST", t.getLostAtMs()));
    clearQueueTimer(t);
    // Deleted here as well as when it fired: a replay folds NOT_BEFORE_REACHED without firing timers.
    if (t.getHeldUntilMs() > 0) state.deleteTimer(timer(t, NOT_BEFORE_TIMER, t.getHeldUntilMs()));
    t.setHeldUntilMs(0L);
    t.setRetryDueAtMs(0L);
    t.setTimeoutAtMs(0L);
    t.setTimedOutAtMs(0L);
    t.setLostAtMs(0L);
  }

  /**
   * Nothing to delete: the run's queue timer for the group stays until it fires and finds out what still waits. A
   * QUEUE_TIMED_OUT timer of the task's own, set by a coordinator before 2026-12-04, fires and is ignored.
   */
  private static void clearQueueTimer(TaskState t) {
    t.setQueueTimeoutAtMs(0L);
  }

  private static TimerEntry timer(TaskState t, String kind, long dueAtMs) {
    return new TimerEntry(kind, t.getRunId(), t.getTaskId(), t.getAttempt(), dueAtMs);
  }

  private TaskState task(String runId, String taskId) {
    return required(state.taskForUpdate(runId, taskId), runId, taskId);
  }

  private static TaskState required(TaskState t, String runId, String taskId) {
    if (t == null) throw new IllegalStateException("no task " + runId + "/" + taskId + ": a decider applied an event for it");
    return t;
  }
}
