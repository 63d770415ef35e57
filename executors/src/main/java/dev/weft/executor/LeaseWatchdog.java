package dev.weft.executor;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fences attempts whose lease ran out ({@link AttemptLeases}), on its own thread: the loop may be blocked in a Kafka
 * call for as long as the broker does not answer, which is exactly when leases run out. A fenced attempt is stopped
 * with the fence grace and gets no more heartbeats; its outcome reports it LOST.
 */
final class LeaseWatchdog {
  private static final Logger log = LoggerFactory.getLogger(LeaseWatchdog.class);

  private final AttemptLeases<Attempt> leases;
  private final AttemptStopper stopper;
  private final ExecutorCounters counters;
  private final Duration cancelGrace;
  private final String instanceId;
  private final String name;
  private final ScheduledExecutorService thread;

  LeaseWatchdog(AttemptLeases<Attempt> leases, AttemptStopper stopper, ExecutorCounters counters, Duration cancelGrace,
      String backendName, String instanceId, String name) {
    this.leases = leases;
    this.stopper = stopper;
    this.counters = counters;
    this.cancelGrace = cancelGrace;
    this.instanceId = instanceId;
    this.name = name;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "weft-executor-" + backendName + "-lease");
      t.setDaemon(true);
      return t;
    });
  }

  void start() {
    long tick = AttemptLeases.CHECK_INTERVAL.toMillis();
    thread.scheduleWithFixedDelay(this::fenceExpired, tick, tick, TimeUnit.MILLISECONDS);
  }

  /** A killed JVM fences nothing either: {@code halt} and {@code close} stop the checks at once. */
  void stop() {
    thread.shutdownNow();
  }

  private void fenceExpired() {
    try {
      for (AttemptLeases.Expired<Attempt> e : leases.expire(System.currentTimeMillis())) fence(e.target(), e.silentMs());
    } catch (RuntimeException e) {
      // A failed check must not end the schedule: the next tick tries again.
      log.error("executor {}: lease check failed", name, e);
    }
  }

  /** Once per attempt, when its lease ran out. */
  private void fence(Attempt a, long silentMs) {
    a.fencedAfterMs = Math.max(1, silentMs);
    counters.fenced.incrementAndGet();
    Duration grace = AttemptLeases.fenceGrace(a.heartbeatTimeoutMs, cancelGrace);
    log.warn("executor {}: nothing of attempt {} reached Kafka for {} ms (lease {} ms of heartbeatTimeout {} ms); "
        + "stopping it before the coordinator presumes it lost and retries it (SIGKILL after {})", name, a.id,
        silentMs, AttemptLeases.leaseMs(a.heartbeatTimeoutMs), a.heartbeatTimeoutMs, grace);
    if (a.running != null && !a.finishSignalled) {
      stopper.stop(a, "executor " + instanceId + " lost contact with Kafka for " + silentMs + " ms", grace);
    }
  }
}
