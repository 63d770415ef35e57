package dev.weft.coordinator.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  private final Map<String, RunState> runs = new HashMap<>();
  private final Map<String, TaskState> tasks = new HashMap<>();
  /** Timers put or deleted by this decision, by store key; {@code deleted} marks a delete of a timer the stores hold. */
  private final Map<String, StagedTimer> timers = new LinkedHashMap<>();

  private record StagedTimer(TimerEntry timer, boolean deleted) {}

  public StagedCoordinatorState(KeyValueCoordinatorState stores) {
    this.stores = stores;
  }

  @Override
  public RunState run(String runId) {
    RunState staged = runs.get(runId);
    return staged != null ? staged : stores.run(runId);
  }

  @Override
  public TaskState task(String runId, String taskId) {
    TaskState staged = tasks.get(StateKeys.task(runId, taskId));
    return staged != null ? staged : stores.task(runId, taskId);
  }

  @Override
  public RunState runForUpdate(String runId) {
    RunState staged = runs.get(runId);
    return staged != null ? staged : StateCopies.copy(stores.run(runId));
  }

  @Override
  public TaskState taskForUpdate(String runId, String taskId) {
    TaskState staged = tasks.get(StateKeys.task(runId, taskId));
    return staged != null ? staged : StateCopies.copy(stores.task(runId, taskId));
  }

  @Override
  public List<TaskState> tasksOf(String runId) {
    String prefix = StateKeys.taskPrefix(runId);
    TreeMap<String, TaskState> merged = new TreeMap<>();
    for (TaskState t : stores.tasksOf(runId)) merged.put(StateKeys.task(runId, t.getTaskId()), t);
    tasks.forEach((k, t) -> {
      if (k.startsWith(prefix)) merged.put(k, t);
    });
    return new ArrayList<>(merged.values());
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
  public void putRun(RunState run) {
    runs.put(run.getRunId(), run);
  }

  @Override
  public void putTask(TaskState task) {
    tasks.put(StateKeys.task(task.getRunId(), task.getTaskId()), task);
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
    runs.values().forEach(stores::putRun);
    tasks.values().forEach(stores::putTask);
    timers.values().forEach(s -> {
      if (s.deleted()) stores.deleteTimer(s.timer());
      else stores.putTimer(s.timer());
    });
    discard();
  }

  /** Forgets every staged change: the stores never saw them. */
  public void discard() {
    runs.clear();
    tasks.clear();
    timers.clear();
  }
}
