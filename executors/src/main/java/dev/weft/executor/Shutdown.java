package dev.weft.executor;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the loop ends: gracefully on {@code close()}, within {@link ExecutorRuntime#CLOSE_TIMEOUT}, or by abandoning
 * everything on {@code halt()} or a fatal error, as a killed JVM would.
 *
 * <p>Gracefully: leave the group first, so the partitions move to another instance while running attempts are wound
 * down; then, when configured to, stop them with a grace of at most {@link #SHUTDOWN_CANCEL_GRACE} and wait a second
 * more for their outcomes (FAILED/LOST, so the coordinator retries them); send what is due and close the producer.
 * Otherwise the attempts keep running, for a backend that can adopt them.
 */
final class Shutdown {
  /** The SIGTERM-to-SIGKILL grace on shutdown: the configured cancel grace, but no longer than this. */
  static final Duration SHUTDOWN_CANCEL_GRACE = Duration.ofSeconds(4);
  private static final Duration PRODUCER_CLOSE_TIMEOUT = Duration.ofSeconds(1);
  private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

  private final ExecutorConfig config;
  private final ExecutorLoop loop;
  private final RunningAttempts attempts;
  private final Signals signals;
  private final SignalApplier applier;
  private final AttemptStopper stopper;
  private final Outbox outbox;
  private final EventTransactions transactions;
  private final ExecutorMetrics metrics;
  private final String name;

  Shutdown(ExecutorConfig config, ExecutorLoop loop, RunningAttempts attempts, Signals signals, SignalApplier applier,
      AttemptStopper stopper, Outbox outbox, EventTransactions transactions, ExecutorMetrics metrics, String name) {
    this.config = config;
    this.loop = loop;
    this.attempts = attempts;
    this.signals = signals;
    this.applier = applier;
    this.stopper = stopper;
    this.outbox = outbox;
    this.transactions = transactions;
    this.metrics = metrics;
    this.name = name;
  }

  void graceful() {
    loop.leaveGroup();
    applier.drain(System.currentTimeMillis());
    Duration grace = config.cancelGrace().compareTo(SHUTDOWN_CANCEL_GRACE) <= 0 ? config.cancelGrace() : SHUTDOWN_CANCEL_GRACE;
    if (config.cancelRunningOnClose() && !attempts.isEmpty()) stopRunning(grace);
    applier.drain(System.currentTimeMillis());
    if (!outbox.isEmpty() && !loop.flushOutbox()) {
      log.warn("executor {}: {} events could not be sent before shutdown", name, outbox.size());
    }
    transactions.close(PRODUCER_CLOSE_TIMEOUT);
    metrics.unbindClients();
  }

  private void stopRunning(Duration grace) {
    log.info("executor {}: cancelling {} running attempts before shutting down", name, attempts.size());
    for (Attempt a : attempts.all()) {
      if (a.finishSignalled) continue;
      // One still launching is stopped when its launch returns (SignalApplier), within the wait below.
      a.shutdown = true;
      if (a.running != null) stopper.stop(a, "executor " + config.instanceId() + " is shutting down", grace);
    }
    // The grace, then a second for the SIGKILL and the outcome to arrive.
    long deadline = System.nanoTime() + grace.plusSeconds(1).toNanos();
    while (!attempts.isEmpty() && System.nanoTime() < deadline) {
      try {
        Signal s = signals.poll(50);
        if (s != null) applier.apply(s, System.currentTimeMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      applier.drain(System.currentTimeMillis());
    }
    if (!attempts.isEmpty()) log.warn("executor {}: {} attempts did not stop in time: {}", name, attempts.size(), attempts.ids());
  }

  /** Sends nothing, commits nothing and stays in the group; the work keeps running. */
  void abandon() {
    metrics.unbindClients();
    transactions.abandon();
    loop.abandon();
  }
}
