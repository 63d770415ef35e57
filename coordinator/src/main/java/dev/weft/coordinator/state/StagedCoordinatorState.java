package dev.weft.coordinator.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The changes of one decision, kept apart from the stores until the decision has returned: then {@link #commit}
 * writes them to the stores below, or {@link #discard} forgets them and the stores, their caches and the timer index
 * are exactly as they were before the input.
 *
 * <p>Why: a decider reads state, records an event, and reads again (a task completes, so each dependant has one
 * dependency fewer, so the dependant whose count reached zero is dispatched). The applier therefore applies each
 * event at once, and the decider must see it. Applied straight to the stores, a decider that throws halfway left
 * half its decision in the store, committed with the dead-lettered input in the same transaction. Here the applier
 * writes to copies held in this overlay, which every read sees first: Kafka's group coordinator does the same with
 * its timeline structures, reverting to a snapshot when a handler throws.
 *
 * <p>One instance per stream task, used by one thread, empty between decisions.
 */
public final class StagedCoordinatorState implements MutableCoordinatorState {
  private final KeyValueCoordinatorState stores;
  private Map<String, RunState> runs = new HashMap<>();
  private Map<String, TaskState> tasks = new HashMap<>();
  /** Runs and task keys deleted by this decision (an expiry); a later put of the same key takes it back. */
  private Set<String> deletedRuns = new HashSet<>();
  private Set<String> deletedTasks = new HashSet<>();
  /**
   * Tasks this decision read from the stores, by key. The stores do not change while a decision runs (every write
   * is staged here), and a decision reads the same task several times: a completed task's dependencies for each of
   * its run events, each dependant to expand it and then to tell it. A read from the stores costs a lookup in their
   * large, access-ordered maps; this one is small and fresh in the cache (2026-12-04). What is read after a decision
   * committed (by its metrics) stays until the next one ends: only {@link #commit} changes the stores.
   */
  private Map<String, TaskState> tasksRead = new HashMap<>();
  /** Run index entries put (value) or deleted (null) by this decision, by store key. */
  private Map<String, RunIndexEntry> runIndex = new LinkedHashMap<>();
  private Map<String, RunIndexEntry> deletedRunIndex = new LinkedHashMap<>();
  /** Timers put or deleted by this decision, by store key; {@code deleted} marks a delete of a timer the stores hold. */
  private Map<String, StagedTimer> timers = new LinkedHashMap<>();

  /** Run specs put (value) or deleted (null) by this decision; backfills put by it. */
  private Map<String, RunSpec> runSpecs = new HashMap<>();
  private Map<String, BackfillState> backfills = new HashMap<>();
  /** Schedules put (value) or deleted (null) by this decision. */
  private Map<String, ScheduleState> schedules = new HashMap<>();

  /** Dependencies-met counts put or deleted (a null count) by this decision, by task key. */
  private Map<String, StagedCount> dependenciesMet = new HashMap<>();

  private record StagedTimer(TimerEntry timer, boolean deleted) {}

  private record StagedCount(Integer met) {}

  public StagedCoordinatorState(KeyValueCoordinatorState stores) {
    this.stores = stores;
  }

  @Override
  public RunState run(String runId) {
    RunState staged = runs.get(runId);
    if (staged != null) return staged;
    return deletedRuns.contains(runId) ? null : stores.run(runId);
  }

  @Override
  public TaskState task(String runId, String taskId) {
    String key = StateKeys.task(runId, taskId);
    TaskState staged = tasks.get(key);
    if (staged != null) return staged;
    return deletedTasks.contains(key) ? null : stored(key);
  }

  /** The task the stores hold under {@code key}, read once per decision. */
  private TaskState stored(String key) {
    TaskState read = tasksRead.get(key);
    if (read == null) {
      read = stores.taskAt(key);
      if (read != null) tasksRead.put(key, read);
    }
    return read;
  }

  @Override
  public int dependenciesMet(String runId, String taskId) {
    String key = StateKeys.task(runId, taskId);
    StagedCount staged = dependenciesMet.get(key);
    if (staged == null) return stores.dependenciesMetAt(key);
    return staged.met() == null ? 0 : staged.met();
  }

  @Override
  public void putDependenciesMet(String runId, String taskId, int met) {
    dependenciesMet.put(StateKeys.task(runId, taskId), new StagedCount(met));
  }

  @Override
  public void deleteDependenciesMet(String runId, String taskId) {
    String key = StateKeys.task(runId, taskId);
    StagedCount staged = dependenciesMet.get(key);
    // Counted and folded within one decision, and never held by the stores: nothing to write.
    if (staged != null && staged.met() != null && stores.dependenciesMetAt(key) == 0) dependenciesMet.remove(key);
    else dependenciesMet.put(key, new StagedCount(null));
  }

  @Override
  public RunState runForUpdate(String runId) {
    RunState staged = runs.get(runId);
    if (staged != null) return staged;
    return deletedRuns.contains(runId) ? null : StateCopies.copy(stores.run(runId));
  }

  @Override
  public TaskState taskForUpdate(String runId, String taskId) {
    String key = StateKeys.task(runId, taskId);
    TaskState staged = tasks.get(key);
    if (staged != null) return staged;
    return deletedTasks.contains(key) ? null : StateCopies.copy(stored(key));
  }

  @Override
  public List<TaskState> tasksOf(String runId) {
    return tasksOf(runId, Integer.MAX_VALUE);
  }

  /**
   * The first {@code limit} of the merged view: the stores' first {@code limit} plus as many as this decision
   * deleted (each may hide one of them), with what it staged, cut to {@code limit}.
   */
  @Override
  public List<TaskState> tasksOf(String runId, int limit) {
    String prefix = StateKeys.taskPrefix(runId);
    TreeMap<String, TaskState> merged = new TreeMap<>();
    int scan = limit == Integer.MAX_VALUE ? limit : (int) Math.min(Integer.MAX_VALUE, (long) limit + deletedTasks.size());
    for (TaskState t : stores.tasksOf(runId, scan)) merged.put(StateKeys.task(runId, t.getTaskId()), t);
    tasks.forEach((k, t) -> {
      if (k.startsWith(prefix)) merged.put(k, t);
    });
    merged.keySet().removeAll(deletedTasks);
    List<TaskState> out = new ArrayList<>(Math.min(limit, merged.size()));
    for (TaskState t : merged.values()) {
      if (out.size() >= limit) break;
      out.add(t);
    }
    return out;
  }

  @Override
  public List<TimerEntry> dueTimers(long nowMs, int limit) {
    if (timers.isEmpty()) return stores.dueTimers(nowMs, limit);
    TreeMap<String, TimerEntry> due = new TreeMap<>();
    for (TimerEntry t : stores.dueTimers(nowMs, limit + timers.size())) due.put(StateKeys.timer(t), t);
    timers.forEach((k, s) -> {
      if (s.deleted()) due.remove(k);
      else if (s.timer().getDueAtMs() <= nowMs) due.put(k, s.timer());
    });
    return due.values().stream().limit(limit).toList();
  }

  @Override
  public RunSpec runSpec(String runId) {
    return runSpecs.containsKey(runId) ? runSpecs.get(runId) : stores.runSpec(runId);
  }

  @Override
  public BackfillState backfill(String backfillId) {
    BackfillState staged = backfills.get(backfillId);
    return staged != null ? staged : stores.backfill(backfillId);
  }

  @Override
  public ScheduleState schedule(String name) {
    return schedules.containsKey(name) ? schedules.get(name) : stores.schedule(name);
  }

  @Override
  public void putSchedule(ScheduleState schedule) {
    schedules.put(schedule.getName(), schedule);
  }

  @Override
  public void deleteSchedule(String name) {
    schedules.put(name, null);
  }

  @Override
  public void putRunSpec(RunSpec spec) {
    runSpecs.put(spec.getRunId(), spec);
  }

  @Override
  public void deleteRunSpec(String runId) {
    runSpecs.put(runId, null);
  }

  @Override
  public void putBackfill(BackfillState backfill) {
    backfills.put(backfill.getBackfillId(), backfill);
  }

  @Override
  public void putRun(RunState run) {
    deletedRuns.remove(run.getRunId());
    runs.put(run.getRunId(), run);
  }

  @Override
  public void putTask(TaskState task) {
    String key = StateKeys.task(task.getRunId(), task.getTaskId());
    deletedTasks.remove(key);
    tasks.put(key, task);
  }

  @Override
  public void deleteRun(String runId) {
    runs.remove(runId);
    deletedRuns.add(runId);
  }

  @Override
  public void deleteTask(String runId, String taskId) {
    String key = StateKeys.task(runId, taskId);
    tasks.remove(key);
    deletedTasks.add(key);
  }

  @Override
  public void putRunIndex(RunIndexEntry entry) {
    String key = StateKeys.runIndex(entry.getAcceptedAtMs(), entry.getRunId());
    deletedRunIndex.remove(key);
    runIndex.put(key, entry);
  }

  @Override
  public void deleteRunIndex(RunIndexEntry entry) {
    String key = StateKeys.runIndex(entry.getAcceptedAtMs(), entry.getRunId());
    runIndex.remove(key);
    deletedRunIndex.put(key, entry);
  }

  @Override
  public void putTimer(TimerEntry timer) {
    timers.put(StateKeys.timer(timer), new StagedTimer(timer, false));
  }

  @Override
  public void deleteTimer(TimerEntry timer) {
    String key = StateKeys.timer(timer);
    StagedTimer staged = timers.get(key);
    // A timer put and deleted within one decision, that the stores never held, leaves nothing to write.
    if (staged != null && !staged.deleted() && !stores.hasTimer(key)) timers.remove(key);
    else timers.put(key, new StagedTimer(timer, true));
  }

  /** Writes every staged change to the stores, then forgets it. */
  public void commit() {
    deletedRuns.forEach(stores::deleteRun);
    deletedTasks.forEach(key -> {
      int slash = key.lastIndexOf('/'); // task ids cannot contain '/'
      stores.deleteTask(key.substring(0, slash), key.substring(slash + 1));
    });
    deletedRunIndex.values().forEach(stores::deleteRunIndex);
    runs.values().forEach(stores::putRun);
    tasks.forEach(stores::putTaskAt);
    runIndex.values().forEach(stores::putRunIndex);
    dependenciesMet.forEach((key, c) -> {
      if (c.met() == null) stores.deleteDependenciesMetAt(key);
      else stores.putDependenciesMetAt(key, c.met());
    });
    timers.values().forEach(s -> {
      if (s.deleted()) stores.deleteTimer(s.timer());
      else stores.putTimer(s.timer());
    });
    runSpecs.forEach((runId, spec) -> {
      if (spec == null) stores.deleteRunSpec(runId);
      else stores.putRunSpec(spec);
    });
    backfills.values().forEach(stores::putBackfill);
    schedules.forEach((name, schedule) -> {
      if (schedule == null) stores.deleteSchedule(name);
      else stores.putSchedule(schedule);
    });
    discard();
  }

  /** Forgets every staged change: the stores never saw them (large tables are replaced: see {@link HashTables}). */
  public void discard() {
    runs = HashTables.emptied(runs, HashMap::new);
    tasks = HashTables.emptied(tasks, HashMap::new);
    deletedRuns = HashTables.emptied(deletedRuns, HashSet::new);
    deletedTasks = HashTables.emptied(deletedTasks, HashSet::new);
    tasksRead = HashTables.emptied(tasksRead, HashMap::new);
    runIndex = HashTables.emptied(runIndex, LinkedHashMap::new);
    deletedRunIndex = HashTables.emptied(deletedRunIndex, LinkedHashMap::new);
    timers = HashTables.emptied(timers, LinkedHashMap::new);
    dependenciesMet = HashTables.emptied(dependenciesMet, HashMap::new);
    runSpecs = HashTables.emptied(runSpecs, HashMap::new);
    backfills = HashTables.emptied(backfills, HashMap::new);
    schedules = HashTables.emptied(schedules, HashMap::new);
  }
}
