package dev.weft.executor;

import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.backend.RunningAttempt;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On start, before the first poll: takes over the work an earlier incarnation of this instance left running, when the
 * backend can find it (containers by label, Batch jobs by tag). An adopted attempt joins the table as if launched
 * here, counts as seen (its RUN, if read again, is a duplicate), holds a lease from now with the assumed heartbeat
 * timeout (its RUN and the previous owner's last commit are not known), and gets a heartbeat with its handle. Work
 * that ended meanwhile is reported at once by the backend's listener call.
 */
final class Adoption {
  private static final Logger log = LoggerFactory.getLogger(Adoption.class);

  private final ExecutorBackend backend;
  private final RunningAttempts attempts;
  private final AttemptLeases<Attempt> leases;
  private final Outbox outbox;
  private final Signals signals;
  private final AttemptEvents events;
  private final ExecutorCounters counters;
  private final String name;

  Adoption(ExecutorBackend backend, RunningAttempts attempts, AttemptLeases<Attempt> leases, Outbox outbox,
      Signals signals, AttemptEvents events, ExecutorCounters counters, String name) {
    this.backend = backend;
    this.attempts = attempts;
    this.leases = leases;
    this.outbox = outbox;
    this.signals = signals;
    this.events = events;
    this.counters = counters;
    this.name = name;
  }

  void adoptRunning() {
    List<AttemptId> found = backend.findRunning();
    for (AttemptId id : found) {
      long heartbeatMs = CommandHandler.DEFAULT_HEARTBEAT_MS;
      Attempt a = new Attempt(id, heartbeatMs, AttemptLeases.assumedTimeoutMs(heartbeatMs), 0,
          System.currentTimeMillis(), signals);
      attempts.put(a);
      attempts.rememberSeen(List.of(id));
      try {
        RunningAttempt running = backend.adopt(id, a);
        if (running == null) {
          attempts.remove(id);
          log.info("executor {}: attempt {} could not be adopted; the coordinator will presume it lost", name, id);
          continue;
        }
        a.running = running;
        long now = System.currentTimeMillis();
        a.nextHeartbeatAt = now + a.heartbeatMs;
        // When the previous owner's last heartbeat committed is not known here; the lease starts now.
        if (!a.finishSignalled) leases.hold(id, a, now, a.heartbeatTimeoutMs);
        counters.adopted.incrementAndGet();
        log.info("executor {}: adopted attempt {} ({})", name, id, running.handle());
        if (!a.finishSignalled) outbox.add(events.heartbeat(id, now, running));
      } catch (RuntimeException e) {
        attempts.remove(id);
        log.warn("executor {}: adopting attempt {} failed: {}", name, id, e.toString(), e);
      }
    }
  }
}
