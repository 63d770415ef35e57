package dev.weft.executor;

import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.backend.RunningAttempt;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops work off the poll loop: a backend may block in a cancel (docker stop waits for the grace) or ask its engine
 * for work nobody here watches, and the loop must go on committing heartbeats meanwhile. How the attempt ended comes
 * back as its outcome, through its listener.
 */
final class AttemptStopper {
  private static final Logger log = LoggerFactory.getLogger(AttemptStopper.class);

  private final ExecutorBackend backend;
  private final Duration cancelGrace;
  private final ExecutorCounters counters;
  private final String name;
  private final ExecutorService threads;

  AttemptStopper(ExecutorBackend backend, Duration cancelGrace, ExecutorCounters counters, String name) {
    this.backend = backend;
    this.cancelGrace = cancelGrace;
    this.counters = counters;
    this.name = name;
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "weft-executor-" + backend.name() + "-cancel");
      t.setDaemon(true);
      return t;
    });
  }

  /** Stops a launched attempt with the configured cancel grace. */
  void stop(Attempt a, String reason) {
    stop(a, reason, cancelGrace);
  }

  /** Stops a launched attempt: SIGTERM (or the engine's equivalent), then a kill after {@code grace}. */
  void stop(Attempt a, String reason, Duration grace) {
    RunningAttempt running = a.running;
    threads.execute(() -> {
      try {
        running.cancel(grace, reason);
      } catch (RuntimeException e) {
        log.warn("executor {}: cancel of attempt {} failed: {}", name, a.id, e.toString(), e);
      }
    });
  }

  /** Asks the backend to find and stop the work of an attempt that does not run here (its executor may be gone). */
  void stopUnwatched(AttemptId id, String reason) {
    threads.execute(() -> {
      try {
        if (backend.stopUnwatched(id, cancelGrace, reason)) counters.unwatchedStops.incrementAndGet();
      } catch (RuntimeException e) {
        log.warn("executor {}: stopping unwatched attempt {} failed: {}", name, id, e.toString(), e);
      }
    });
  }

  /** Lets the stops under way finish. */
  void shutdown() {
    threads.shutdown();
  }

  void shutdownNow() {
    threads.shutdownNow();
  }
}
