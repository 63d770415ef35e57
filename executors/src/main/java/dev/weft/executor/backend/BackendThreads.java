package dev.weft.executor.backend;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Stopping a backend's own threads when the backend closes, the same way for every backend. */
public final class BackendThreads {
  private BackendThreads() {}

  /**
   * Lets the tasks in flight finish for up to {@code grace}, then interrupts what is left. Not interrupted first: an
   * interrupted engine or SDK call is retried by its HTTP client and logged, and a poll in flight takes milliseconds.
   */
  public static void stop(ExecutorService threads, Duration grace) {
    threads.shutdown();
    try {
      if (!threads.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) threads.shutdownNow();
    } catch (InterruptedException e) {
      threads.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
