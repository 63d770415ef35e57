package dev.weft.coordinator.state;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Coordinator state over Kafka Streams key-value stores (RocksDB in production, in-memory in tests).
 *
 * <p>The stores are {@link WriteBackStore}s: reads and writes here are of decoded objects, encoded once per key per
 * commit. The fold reaches them through a {@link StagedCoordinatorState}, which holds a decision's changes until the
 * decision has returned.
 */
public final class KeyValueCoordinatorState implements MutableCoordinatorState {
  private static final StringSerializer KEYS = new StringSerializer();
  private final KeyValueStore<String, RunState> runs;
  private final KeyValueStore<String, TaskState> tasks;
  private final KeyValueStore<String, TimerEntry> timers;
  private final KeyValueStore<String, RunIndexEntry> runIndex;
  /** Null over the four stores of old tests that need no rerun or backfill. */
  private final KeyValueStore<String, RunSpec> runSpecs;
  private final KeyValueStore<String, BackfillState> backfills;
  /** Null over the stores of tests that need no schedule. */
  private final KeyValueStore<String, ScheduleState> schedules;
  /**
   * The dependencies met of each waiting task, by task key: counted here rather than in the task's record because
   * a fan-in's record names every dependency (the benchmark's 100,000-task fan-out has a sink of 99,998), and
   * rewriting it for each one met encoded and logged megabytes in every commit. Null over the stores of tests that
   * need no dependency.
   */
  private final KeyValueStore<String, Integer> dependenciesMet;
  /** Its write-back layer (null over plain stores), told which puts are of new keys. */
  private final WriteBackStore<Integer> dependenciesMetWriteBack;
  /** The timers' write-back layer (null over plain stores), told which puts are of new keys. */
  private final WriteBackStore<TimerEntry> timersWriteBack;
  /**
   * The live timers in due-time order, a copy of the timers store loaded on first use. Firing reads this and never
   * iterates RocksDB: deleted timers stay there as tombstones until compaction, and range scans over them made each
   * tick cost more as history grew (the benchmark's throughput halved within minutes; a scan watermark still spent
   * a fifth of the stream thread in ticks). Its size is the number of live timers, bounded by tasks in flight.
   */
  private TreeMap<String, TimerEntry> timerIndex;

  public KeyValueCoordinatorState(KeyValueStore<String, RunState> runs, KeyValueStore<String, TaskState> tasks,
      KeyValueStore<String, TimerEntry> timers, KeyValueStore<String, RunIndexEntry> runIndex) {
    this(runs, tasks, timers, runIndex, null, null);
  }

  public KeyValueCoordinatorState(KeyValueStore<String, RunState> runs, KeyValueStore<String, TaskState> tasks,
      KeyValueStore<String, TimerEntry> timers, KeyValueStore<String, RunIndexEntry> runIndex,
      KeyValueStore<String, RunSpec> runSpecs, KeyValueStore<String, BackfillState> backfills) {
    this(runs, tasks, timers, runIndex, runSpecs, backfills, null);
  }

  public KeyValueCoordinatorState(KeyValueStore<String, RunState> runs, KeyValueStore<String, TaskState> tasks,
      KeyValueStore<String, TimerEntry> timers, KeyValueStore<String, RunIndexEntry> runIndex,
      KeyValueStore<String, RunSpec> runSpecs, KeyValueStore<String, BackfillState> backfills,
      KeyValueStore<String, ScheduleState> schedules) {
    this(runs, tasks, timers, runIndex, runSpecs, backfills, schedules, null);
  }

  public KeyValueCoordinatorState(KeyValueStore<String, RunState> runs, KeyValueStore<String, TaskState> tasks,
      KeyValueStore<String, TimerEntry> timers, KeyValueStore<String, RunIndexEntry> runIndex,
      KeyValueStore<String, RunSpec> runSpecs, KeyValueStore<String, BackfillState> backfills,
      KeyValueStore<String, ScheduleState> schedules, KeyValueStore<String, Integer> dependenciesMet) {
    this.dependenciesMet = dependenciesMet;
    this.dependenciesMetWriteBack = dependenciesMet == null ? null : WriteBackStore.of(dependenciesMet);
    this.schedules = schedules;
    this.runSpecs = runSpecs;
    this.backfills = backfills;
    this.runs = runs;
    this.tasks = tasks;
    this.timers = timers;
    this.runIndex = runIndex;
    this.timersWriteBack = WriteBackStore.of(timers);
  }

  @Override
  public RunState run(String runId) {
    return runs.get(runId);
  }

  @Override
  public TaskState task(String runId, String taskId) {
    return taskAt(StateKeys.task(runId, taskId));
  }

  /**
   * The task under its store key ({@link StateKeys#task}). The overlay above has built the key already: building it
   * again, and hashing the new string, was a measurable share of the fold (2026-12-04).
   */
  TaskState taskAt(String key) {
    return tasks.get(key);
  }

  @Override
  public int dependenciesMet(String runId, String taskId) {
    return dependenciesMetAt(StateKeys.task(runId, taskId));
  }

  /** {@link #dependenciesMet} under the task's store key. */
  int dependenciesMetAt(String key) {
    Integer met = dependenciesMet.get(key);
    return met == null ? 0 : met;
  }

  @Override
  public void putDependenciesMet(String runId, String taskId, int met) {
    putDependenciesMetAt(StateKeys.task(runId, taskId), met);
  }

  /** {@link #putDependenciesMet} under the task's store key. */
  void putDependenciesMetAt(String key, int met) {
    // The first met is a new key (a count is deleted only when folded into its record, and never counts again), so
    // a count put and deleted within one commit, as a task's last dependency and its dispatch mostly are, writes
    // nothing.
    if (met == 1 && dependenciesMetWriteBack != null) dependenciesMetWriteBack.putNew(key, met);
    else dependenciesMet.put(key, met);
  }

  @Override
  public void deleteDependenciesMet(String runId, String taskId) {
    deleteDependenciesMetAt(StateKeys.task(runId, taskId));
  }

  /** {@link #deleteDependenciesMet} under the task's store key. */
  void deleteDependenciesMetAt(String key) {
    dependenciesMet.put(key, null);
  }

  @Override
  public List<TaskState> tasksOf(String runId) {
    return tasksOf(runId, Integer.MAX_VALUE);
  }

  @Override
  public List<TaskState> tasksOf(String runId, int limit) {
    List<TaskState> out = new ArrayList<>();
    try (KeyValueIterator<String, TaskState> it = tasks.prefixScan(StateKeys.taskPrefix(runId), KEYS)) {
      while (out.size() < limit && it.hasNext()) out.add(it.next().value);
    }
    return out;
  }

  @Override
  public List<TimerEntry> dueTimers(long nowMs, int limit) {
    List<TimerEntry> out = new ArrayList<>();
    for (TimerEntry t : timerIndex().headMap(StateKeys.timerPrefix(nowMs) + "|\uffff").values()) {
      if (out.size() >= limit) break;
      out.add(t);
    }
    return out;
  }

  @Override
  public RunSpec runSpec(String runId) {
    return runSpecs.get(runId);
  }

  @Override
  public BackfillState backfill(String backfillId) {
    return backfills.get(backfillId);
  }

  @Override
  public ScheduleState schedule(String name) {
    return schedules == null ? null : schedules.get(name);
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

  /** Whether a live timer has this store key. */
  boolean hasTimer(String key) {
    return timerIndex().containsKey(key);
  }

  @Override
  public RunState runForUpdate(String runId) {
    return StateCopies.copy(run(runId));
  }

  @Override
  public TaskState taskForUpdate(String runId, String taskId) {
    return StateCopies.copy(task(runId, taskId));
  }

  private TreeMap<String, TimerEntry> timerIndex() {
    if (timerIndex == null) {
      TreeMap<String, TimerEntry> index = new TreeMap<>();
      try (KeyValueIterator<String, TimerEntry> it = timers.all()) {
        it.forEachRemaining(kv -> index.put(kv.key, kv.value));
      }
      timerIndex = index;
    }
    return timerIndex;
  }

  @Override
  public void putRun(RunState run) {
    runs.put(run.getRunId(), run);
  }

  @Override
  public void putTask(TaskState task) {
    putTaskAt(StateKeys.task(task.getRunId(), task.getTaskId()), task);
  }

  /** {@link #putTask} under its store key, which must be {@code task}'s. */
  void putTaskAt(String key, TaskState task) {
    tasks.put(key, task);
  }

  @Override
  public void putTimer(TimerEntry timer) {
    String key = StateKeys.timer(timer);
    boolean live = timerIndex().put(key, timer) != null;
    if (!live && timersWriteBack != null) timersWriteBack.putNew(key, timer);
    else timers.put(key, timer);
  }

  @Override
  public void deleteTimer(TimerEntry timer) {
    String key = StateKeys.timer(timer);
    // Not live: nothing to delete (a run's expiry timer is deleted when it fires and again when the run expires).
    if (timerIndex().remove(key) == null) return;
    timers.put(key, null); // a delete that does not read the old value (a RocksDB get for a timer, never cached)
  }

  @Override
  public void putRunIndex(RunIndexEntry entry) {
    runIndex.put(StateKeys.runIndex(entry.getAcceptedAtMs(), entry.getRunId()), entry);
  }

  @Override
  public void deleteRunIndex(RunIndexEntry entry) {
    runIndex.put(StateKeys.runIndex(entry.getAcceptedAtMs(), entry.getRunId()), null);
  }

  @Override
  public void deleteRun(String runId) {
    runs.put(runId, null);
  }

  @Override
  public void deleteTask(String runId, String taskId) {
    tasks.put(StateKeys.task(runId, taskId), null);
  }
}
