package dev.weft.cli;

import dev.weft.client.RunListener;
import dev.weft.client.TaskResult;
import dev.weft.coordinator.state.TaskStatuses;
import dev.weft.spec.MappedTasks;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What {@code weft run} and {@code weft submit --wait} show while a run goes on: a line when the run is accepted and
 * one per finished task, in both modes; on a terminal also a status line, redrawn every second, with the count of
 * finished tasks and the time waited, so a long task does not look like a hang. Elsewhere (a CI log) that status is a
 * line every {@value #LOG_STATUS_EVERY_S} s.
 *
 * <p>The instances of a mapped task are many (a map over a file listing can have thousands), so one that ends well
 * gets no line: it is counted on the mapped task's own line, when the last of them has ended, as Airflow's grid and
 * Argo's tree show a map as one node. An instance that fails gets its line, up to {@value RunReport#INSTANCES_SHOWN}
 * of each mapped task; the summary and `weft status` list the failed ones.
 */
final class RunProgress implements RunListener, AutoCloseable {
  /** How often a run's status is printed as a line of its own when the output is not a terminal. */
  static final int LOG_STATUS_EVERY_S = 30;

  private final ProgressLine line;
  private final long startedAtNanos = System.nanoTime();
  private final ScheduledExecutorService ticker;
  private volatile int finished;
  private volatile int total = -1;
  /** Per mapped task, its instances ended so far by status; read and written by the thread that reports tasks. */
  private final Map<String, Map<String, Integer>> instancesEnded = new HashMap<>();

  RunProgress(ProgressLine line) {
    this.line = line;
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "weft-progress");
      t.setDaemon(true);
      return t;
    });
    long every = line.interactive() ? 1 : LOG_STATUS_EVERY_S;
    ticker.scheduleAtFixedRate(this::tick, every, every, TimeUnit.SECONDS);
  }

  @Override
  public void accepted(String runId, int taskCount, boolean existing) {
    total = taskCount;
    line.log(existing ? "run " + runId + " already exists (same idempotency key): following it"
        : "run " + runId + " accepted: " + taskCount + " tasks");
  }

  @Override
  public void taskFinished(TaskResult task, int finished, int total) {
    this.finished = finished;
    this.total = total;
    String mapped = MappedTasks.mappedTaskOf(task.id());
    if (mapped != null) {
      Map<String, Integer> byStatus = instancesEnded.computeIfAbsent(mapped, k -> new TreeMap<>());
      int endedBadly = byStatus.entrySet().stream().filter(e -> !TaskStatuses.satisfiesDependants(e.getKey()))
          .mapToInt(Map.Entry::getValue).sum();
      byStatus.merge(task.status(), 1, Integer::sum);
      if (TaskStatuses.satisfiesDependants(task.status()) || endedBadly >= RunReport.INSTANCES_SHOWN) return;
    }
    Map<String, Integer> instances = instancesEnded.remove(task.id());
    line.log(RunReport.progressLine(task, finished, total) + (instances == null ? "" : " - its instances: "
        + instancesLine(instances)));
  }

  /** "998 SUCCEEDED, 2 FAILED": the statuses in name order, each with its count. */
  private static String instancesLine(Map<String, Integer> byStatus) {
    StringBuilder b = new StringBuilder();
    byStatus.forEach((status, n) -> b.append(b.isEmpty() ? "" : ", ").append(n).append(' ').append(status));
    return b.toString();
  }

  private void tick() {
    if (!line.interactive() && total < 0) return; // nothing to say in a log until the run is accepted
    long s = (System.nanoTime() - startedAtNanos) / 1_000_000_000L;
    String elapsed = String.format("%d:%02d", s / 60, s % 60);
    line.update(total < 0 ? "waiting for the coordinator to accept the run  " + elapsed
        : "[" + finished + "/" + total + "] tasks finished  " + elapsed);
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    try {
      // A tick being drawn now must not draw again after the line is gone.
      ticker.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    line.done();
  }
}
