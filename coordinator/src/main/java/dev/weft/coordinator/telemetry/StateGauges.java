package dev.weft.coordinator.telemetry;

import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.state.RunState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gauges read from this instance's stores: runs held by status ({@code weft_runs}), and the tasks of unfinished runs
 * by state ({@code weft_tasks}). They come from state, not from counting events, so they are right after a restart
 * too. Each instance reports the runs of its own partitions, so summing over instances gives the whole.
 *
 * <p>A scrape reads the run headers once (each carries its tasks per status, so no task is read) and the result is
 * kept for {@link #MAX_AGE_MS}: several gauges, and several scrapers, share one pass.
 */
public final class StateGauges {
  static final long MAX_AGE_MS = 5_000;
  private static final Logger LOG = LoggerFactory.getLogger(StateGauges.class);

  private final Consumer<Consumer<RunState>> forEachRun;
  private Snapshot snapshot = new Snapshot(new EnumMap<>(RunStatus.class), new EnumMap<>(TaskStatus.class), 0);

  /**
   * @param forEachRun hands every run header of this instance's stores to its argument; may throw while the stores
   *     are not queryable (a rebalance), when the last snapshot is kept
   */
  public StateGauges(Consumer<Consumer<RunState>> forEachRun, MeterRegistry registry) {
    this.forEachRun = forEachRun;
    for (RunStatus s : RunStatus.values()) {
      if (s == RunStatus.UNKNOWN) continue;
      Gauge.builder("weft.runs", this, g -> g.current().runs.getOrDefault(s, 0L))
          .description("Runs held by the coordinator (finished ones until they expire), by status")
          .tag("status", s.name()).register(registry);
    }
    for (TaskStatus s : TaskStatus.values()) {
      if (s == TaskStatus.UNKNOWN) continue;
      Gauge.builder("weft.tasks", this, g -> g.current().tasks.getOrDefault(s, 0L))
          .description("Tasks of unfinished runs, by state").tag("state", s.name()).register(registry);
    }
  }

  private synchronized Snapshot current() {
    long now = System.currentTimeMillis();
    if (now - snapshot.atMs < MAX_AGE_MS) return snapshot;
    Map<RunStatus, Long> byRun = new EnumMap<>(RunStatus.class);
    Map<TaskStatus, Long> byTask = new EnumMap<>(TaskStatus.class);
    try {
      forEachRun.accept(r -> {
        RunStatus status = RunStatus.valueOf(r.getStatus());
        byRun.merge(status, 1L, Long::sum);
        if (status == RunStatus.RUNNING || status == RunStatus.CANCELLING) {
          r.getCounts().forEach((task, n) -> byTask.merge(TaskStatus.valueOf(task), (long) n, Long::sum));
        }
      });
      snapshot = new Snapshot(byRun, byTask, now);
    } catch (RuntimeException e) {
      LOG.debug("state gauges keep their last values: the stores cannot be read now: {}", e.toString());
    }
    return snapshot;
  }

  private record Snapshot(Map<RunStatus, Long> runs, Map<TaskStatus, Long> tasks, long atMs) {}
}
