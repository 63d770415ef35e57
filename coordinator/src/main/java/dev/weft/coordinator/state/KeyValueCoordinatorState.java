package dev.weft.coordinator.state;

import java.util.ArrayList;
import java.util.Map;
import java.util.List;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Coordinator state over three Kafka Streams key-value stores (RocksDB in production, in-memory in tests).
 *
 * <p>Decoded runs and tasks are kept in a bounded write-through cache: a task is read again by every event about it
 * (dispatched, started, finished, each dependency met) and its run header by all of them, and decoding Avro was the
 * fold's largest cost. The cache holds the very objects the applier updates and puts, so it always equals the
 * store. It lives as long as this object, which the processor creates in {@code init}: a task restored from the
 * changelog (rebalance, aborted transaction) starts with an empty cache. When a decision fails half-applied, the
 * processor calls {@link #forgetCached()} so that the store is the truth again.
 */
public final class KeyValueCoordinatorState implements MutableCoordinatorState {
  /** Enough for the tasks in flight of many runs; a task state is a few hundred bytes to a few KB. */
  static final int MAX_CACHED_TASKS = 20_000;
  static final int MAX_CACHED_RUNS = 2_000;
  private static final StringSerializer KEYS = new StringSerializer();
  private final KeyValueStore<String, RunState> runs;
  private final KeyValueStore<String, TaskState> tasks;
  private final KeyValueStore<String, TimerEntry> timers;
  private final Map<String, RunState> cachedRuns = new Lru<>(MAX_CACHED_RUNS);
  private final Map<String, TaskState> cachedTasks = new Lru<>(MAX_CACHED_TASKS);
  /**
   * The live timers in due-time order, a copy of the timers store loaded on first use. Firing reads this and never
   * iterates RocksDB: deleted timers stay there as tombstones until compaction, and range scans over them made each
   * tick cost more as history grew (the benchmark's throughput halved within minutes; a scan watermark still spent
   * a fifth of the stream thread in ticks). Its size is the number of live timers, bounded by tasks in flight.
   */
  private TreeMap<String, TimerEntry> timerIndex;

  public KeyValueCoordinatorState(
      KeyValueStore<String, RunState> runs, KeyValueStore<String, TaskState> tasks, KeyValueStore<String, TimerEntry> timers) {
    this.runs = runs;
    this.tasks = tasks;
    this.timers = timers;
  }

  /** Drops every cached object: after a decision failed half-applied, only the store is to be trusted. */
  public void forgetCached() {
    cachedRuns.clear();
    cachedTasks.clear();
    timerIndex = null;
  }

  /** Least recently used eviction, so a huge run passing through does not keep its tasks on the heap. */
  private static final class Lru<V> extends java.util.LinkedHashMap<String, V> {
    private final int max;

    Lru(int max) {
      super(1024, 0.75f, true);
      this.max = max;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
      return size() > max;
    }
  }

  @Override
  public RunState run(String runId) {
    RunState r = cachedRuns.get(runId);
    if (r == null) {
      r = runs.get(runId);
      if (r != null) cachedRuns.put(runId, r);
    }
    return r;
  }

  @Override
  public TaskState task(String runId, String taskId) {
    String key = StateKeys.task(runId, taskId);
    TaskState t = cachedTasks.get(key);
    if (t == null) {
      t = tasks.get(key);
      if (t != null) cachedTasks.put(key, t);
    }
    return t;
  }

  @Override
  public List<TaskState> tasksOf(String runId) {
    List<TaskState> out = new ArrayList<>();
    try (KeyValueIterator<String, TaskState> it = tasks.prefixScan(StateKeys.taskPrefix(runId), KEYS)) {
      it.forEachRemaining(kv -> out.add(cachedTasks.getOrDefault(kv.key, kv.value)));
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
    cachedRuns.put(run.getRunId(), run);
  }

  @Override
  public void putTask(TaskState task) {
    String key = StateKeys.task(task.getRunId(), task.getTaskId());
    tasks.put(key, task);
    cachedTasks.put(key, task);
  }

  @Override
  public void putTimer(TimerEntry timer) {
    String key = StateKeys.timer(timer);
    timerIndex().put(key, timer);
    timers.put(key, timer);
  }

  @Override
  public void deleteTimer(TimerEntry timer) {
    String key = StateKeys.timer(timer);
    timerIndex().remove(key);
    timers.delete(key);
  }
}
