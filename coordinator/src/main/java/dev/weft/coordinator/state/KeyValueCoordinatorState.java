package dev.weft.coordinator.state;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/** Coordinator state over three Kafka Streams key-value stores (RocksDB in production, in-memory in tests). */
public final class KeyValueCoordinatorState implements MutableCoordinatorState {
  private static final StringSerializer KEYS = new StringSerializer();
  private final KeyValueStore<String, RunState> runs;
  private final KeyValueStore<String, TaskState> tasks;
  private final KeyValueStore<String, TimerEntry> timers;

  public KeyValueCoordinatorState(
      KeyValueStore<String, RunState> runs, KeyValueStore<String, TaskState> tasks, KeyValueStore<String, TimerEntry> timers) {
    this.runs = runs;
    this.tasks = tasks;
    this.timers = timers;
  }

  @Override
  public RunState run(String runId) {
    return runs.get(runId);
  }

  @Override
  public TaskState task(String runId, String taskId) {
    return tasks.get(StateKeys.task(runId, taskId));
  }

  @Override
  public List<TaskState> tasksOf(String runId) {
    List<TaskState> out = new ArrayList<>();
    try (KeyValueIterator<String, TaskState> it = tasks.prefixScan(StateKeys.taskPrefix(runId), KEYS)) {
      it.forEachRemaining(kv -> out.add(kv.value));
    }
    return out;
  }

  @Override
  public List<TimerEntry> dueTimers(long nowMs, int limit) {
    List<TimerEntry> out = new ArrayList<>();
    try (KeyValueIterator<String, TimerEntry> it = timers.range(StateKeys.timerPrefix(0), StateKeys.timerPrefix(nowMs) + "|\uffff")) {
      while (it.hasNext() && out.size() < limit) {
        KeyValue<String, TimerEntry> kv = it.next();
        out.add(kv.value);
      }
    }
    return out;
  }

  @Override
  public void putRun(RunState run) {
    runs.put(run.getRunId(), run);
  }

  @Override
  public void putTask(TaskState task) {
    tasks.put(StateKeys.task(task.getRunId(), task.getTaskId()), task);
  }

  @Override
  public void putTimer(TimerEntry timer) {
    timers.put(StateKeys.timer(timer), timer);
  }

  @Override
  public void deleteTimer(TimerEntry timer) {
    timers.delete(StateKeys.timer(timer));
  }
}
