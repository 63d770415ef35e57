package dev.weft.executor;

import dev.weft.executor.backend.RunningAttempt;

/**
 * Applies what backends and launch threads reported ({@link Signals}) to the attempt table, and queues the events
 * that report it: the heartbeat with the handle when a launch returned, a tracking URL, SPAWNED and the outcome when
 * an attempt ended. Loop thread only. A signal of an attempt no longer in the table is dropped, except a launch that
 * returned: that work is stopped, since nobody would watch it.
 */
final class SignalApplier {
  private final Signals signals;
  private final RunningAttempts attempts;
  private final AttemptLeases<Attempt> leases;
  private final Outbox outbox;
  private final AttemptStopper stopper;
  private final AttemptEvents events;
  private final ExecutorCounters counters;

  SignalApplier(Signals signals, RunningAttempts attempts, AttemptLeases<Attempt> leases, Outbox outbox,
      AttemptStopper stopper, AttemptEvents events, ExecutorCounters counters) {
    this.signals = signals;
    this.attempts = attempts;
    this.leases = leases;
    this.outbox = outbox;
    this.stopper = stopper;
    this.events = events;
    this.counters = counters;
  }

  /** Applies every signal queued so far. */
  void drain(long now) {
    Signal s;
    while ((s = signals.poll()) != null) apply(s, now);
  }

  void apply(Signal s, long now) {
    if (s instanceof Signal.Launched l) {
      launched(l.attempt(), l.running(), now);
      return;
    }
    if (s instanceof Signal.LaunchFailed f) {
      launchFailed(f, now);
      return;
    }
    Attempt a = s.attempt();
    if (!attempts.holds(a)) return;
    if (s instanceof Signal.Tracking t) {
      outbox.add(events.trackingUrl(a.id, now, t.url()));
    } else if (s instanceof Signal.Finished f) {
      attempts.remove(a.id);
      leases.release(a.id);
      // SPAWNED goes right before the outcome, in the same transaction: the coordinator adds the tasks while the
      // attempt is still current, and a failed spawn fails it before its SUCCEEDED is read.
      if (f.files().spawnedJson() != null && AttemptEvents.endedByItself(a, f.outcome())) {
        outbox.add(events.spawned(a.id, now, f.files().spawnedJson()));
      }
      outbox.add(events.outcome(a, f.outcome(), f.files(), now));
    }
  }

  /** A launch returned: the attempt runs, unless it was cancelled, fenced or shut down meanwhile. */
  private void launched(Attempt a, RunningAttempt running, long now) {
    a.running = running;
    if (!attempts.holds(a)) {
      // No longer in the table (nothing removes a launching attempt today, but the table is the truth): stop what
      // started rather than leave it running unwatched.
      if (!a.finishSignalled) stopper.stop(a, "executor " + events.instanceId() + " no longer watches it");
      return;
    }
    if (!a.finishSignalled) {
      String stop = a.shutdown ? "executor " + events.instanceId() + " is shutting down"
          : a.fencedAfterMs > 0 ? "executor " + events.instanceId() + " lost contact with Kafka for " + a.fencedAfterMs
              + " ms"
          : a.cancelReason;
      if (stop != null) {
        stopper.stop(a, stop);
        return;
      }
    }
    // Its handle, even for work that already ended: the outcome, held back until now (Attempt.launchReturned), follows.
    outbox.add(events.heartbeat(a.id, now, running));
  }

  private void launchFailed(Signal.LaunchFailed f, long now) {
    Attempt a = f.attempt();
    if (!attempts.holds(a)) return;
    attempts.remove(a.id);
    leases.release(a.id);
    if (a.files != null) a.files.delete();
    counters.launchFailures.incrementAndGet();
    outbox.add(events.failed(a.id, now, f.kind(), null, f.reason(), null).build());
  }
}
