package dev.weft.cli;

import dev.weft.client.RunListener;
import dev.weft.client.TaskResult;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What {@code weft run} and {@code weft submit --wait} show while a run goes on: a line when the run is accepted and
 * one per finished task, in both modes; on a terminal also a status line, redrawn every second, with the count of
 * finished tasks and the time waited, so a long task does not look like a hang.
 */
final class RunProgress implements RunListener, AutoCloseable {
  private final ProgressLine line;
  private final long startedAtNanos = System.nanoTime();
  private final ScheduledExecutorService ticker;
  private volatile int finished;
  private volatile int total = -1;

  RunProgress(ProgressLine line) {
    this.line = line;
    if (line.interactive()) {
      ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weft-progress");
        t.setDaemon(true);
        return t;
      });
      ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    } else {
      ticker = null;
    }
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
    line.log(RunReport.progressLine(task, finished, total));
  }

  private void tick() {
    long s = (System.nanoTime() - startedAtNanos) / 1_000_000_000L;
    String elapsed = String.format("%d:%02d", s / 60, s % 60);
    line.update(total < 0 ? "waiting for the coordinator to accept the run  " + elapsed
        : "[" + finished + "/" + total + "] tasks finished  " + elapsed);
  }

  @Override
  public void close() {
    if (ticker != null) {
      ticker.shutdownNow();
      try {
        // A tick being drawn now must not draw again after the line is gone.
        ticker.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    line.done();
  }
}
