package dev.weft.coordinator.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Coordinator state over three Kafka Streams key-value stores (RocksDB in production, in-memory in tests).
 *
 * <p>Decoded runs and tasks are memoised for the length of one input record: a single decision reads the same run
 * header and tasks several times (decider, behaviours, applier), and decoding Avro was the fold's largest cost. The
 * memo holds the very objects the applier updates and puts, so every read within the record sees every write.
 */
public final class KeyValueCoordinatorState implements MutableCoordinatorState {
  private static final StringSerializer KEYS = new StringSerializer();
  private final KeyValueStore<String, RunState> runs;
  private final KeyValueStore<String, TaskState> tasks;
  private final KeyValueStore<String, TimerEntry> timers;
  private final Map<String, RunState> runMemo = new HashMap<>();
  private final Map<String, TaskState> taskMemo = new HashMap<>();
  /**
   * Every timer due at or before this time has already been returned by {@link #dueTimers} (and so fired and
   * deleted). Scans start after it: deleted timers stay in RocksDB as tombstones until compaction, and a scan from
   * zero walked every timer the coordinator ever deleted, so each tick grew with the history (the benchmark saw
   * throughput halve within a few minutes). Held in memory only; a new instance (restore, rebalance) starts at -1
   * and scans once from zero.
   */
  private long scannedThroughMs = -1;

  public KeyValueCoordinatorState(
      KeyValueStore<String, RunState> runs, KeyValueStore<String, TaskState> tasks, KeyValueStore<String, TimerEntry> timers) {
    this.runs = runs;
    this.tasks = tasks;
    this.timers = timers;
  }

  /** Starts a new input record (or punctuation): forgets what the previous one read. */
  public void beginRecord() {
    runMemo.clear();
    taskMemo.clear();
  }

  @Override
  public RunState run(String runId) {
    RunState r = runMemo.get(runId);
    if (r == null) {
      r = runs.get(runId);
      if (r != null) runMemo.put(runId, r);
    }
    return r;
  }

  @Override
  public TaskState task(String runId, String taskId) {
    String key = StateKeys.task(runId, taskId);
    TaskState t = taskMemo.get(key);
    if (t == null) {
      t = tasks.get(key);
      if (t != null) taskMemo.put(key, t);
    }
    return t;
  }

  @Override
  public List<TaskState> tasksOf(String runId) {
    List<TaskState> out = new ArrayList<>();
    try (KeyValueIterator<String, TaskState> it = tasks.prefixScan(StateKeys.taskPrefix(runId), KEYS)) {
      it.forEachRemaining(kv -> out.add(taskMemo.getOrDefault(kv.key, kv.value)));
    }
    return out;
  }

  @Override
  public List<TimerEntry> dueTimers(long nowMs, int limit) {
    List<TimerEntry> out = new ArrayList<>();
    if (nowMs <= scannedThroughMs) return out;
    try (KeyValueIterator<String, TimerEntry> it = timers.range(StateKeys.timerPrefix(scannedThroughMs + 1),
        StateKeys.timerPrefix(nowMs) + "|\uffff")) {
      while (it.hasNext() && out.size() < limit) {
        KeyValue<String, TimerEntry> kv = it.next();
        out.add(kv.value);
      }
    }
    // At the limit, timers due at the same time as the last one returned may be left: only what is before it is done.
    scannedThroughMs = out.size() < limit ? nowMs : Math.max(scannedThroughMs, out.get(out.size() - 1).getDueAtMs() - 1);
    return out;
  }

  @Override
  public void putRun(RunState run) {
    runs.put(run.getRunId(), run);
    runMemo.put(run.getRunId(), run);
  }

  @Override
  public void putTask(TaskState task) {
    String key = StateKeys.task(task.getRunId(), task.getTaskId());
    tasks.put(key, task);
    taskMemo.put(key, task);
  }

  @Override
  public void putTimer(TimerEntry timer) {
    timers.put(StateKeys.timer(timer), timer);
    // A timer due in what was already scanned (a past due time, from an event's own timestamp) must still be found.
    if (timer.getDueAtMs() <= scannedThroughMs) scannedThroughMs = timer.getDueAtMs() - 1;
  }

  @Override
  public void deleteTimer(TimerEntry timer) {
    timers.delete(StateKeys.timer(timer));
  }
}
