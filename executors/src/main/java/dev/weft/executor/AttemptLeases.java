package dev.weft.executor;

import dev.weft.avro.TaskCommand;
import dev.weft.executor.backend.AttemptId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The executor's side of "never two attempts of one task at once": a lease per running attempt, renewed only by
 * heartbeats that reached Kafka, after which the executor stops the attempt by itself.
 *
 * <p><b>Why.</b> The coordinator presumes an attempt lost at {@code lastSeen + heartbeatTimeout}, where
 * {@code lastSeen} is the {@code atMs} of the last STARTED or HEARTBEAT it folded, and then starts a new attempt. An
 * executor cut off from Kafka (network partition, broker outage, a stuck transaction) cannot hear the CANCEL that
 * follows. So it must stop the old attempt itself, before the coordinator can have given up on it.
 *
 * <p><b>The rule.</b> An attempt's lease is {@link #leaseMs half} its heartbeat timeout, counted from the
 * {@code atMs} stamped in the last event of the attempt whose transaction <em>committed</em> (STARTED, then each
 * HEARTBEAT). Not from when the commit returned: the coordinator counts from {@code atMs} too, and a commit that took
 * long ate into the same window. When {@code now - lastCommittedAtMs > lease}, the attempt is fenced: stopped with a
 * grace of {@link #fenceGrace} and reported FAILED/LOST once the executor can publish again. A heartbeat that
 * commits after the fence renews nothing: the attempt is already being stopped.
 *
 * <p><b>The guarantee.</b> The work is gone by {@code lastCommittedAtMs + lease + stop time} on the executor's clock,
 * where stop time is the fence grace plus {@link #CHECK_INTERVAL} plus the kill itself; the coordinator retries at
 * {@code lastCommittedAtMs + heartbeatTimeout} on its clock (and later, after the retry backoff). Two attempts of one
 * task therefore never run at the same time as long as the coordinator's clock is ahead of the executor's by less than
 * {@code heartbeatTimeout - lease - stop time}: at least a third of the heartbeat timeout minus the check interval
 * (with the default 30 s: lease 15 s, grace 5 s, skew allowance about 10 s).
 *
 * <p>Thread-safe: the poll loop holds, renews and releases; a watchdog thread asks {@link #expire} on a timer, so a
 * loop blocked inside a Kafka call (a broker that does not answer) still fences on time.
 *
 * @param <T> what the watchdog stops when a lease expires (the runtime's running attempt)
 */
final class AttemptLeases<T> {
  /** How often the watchdog looks; part of the stop time in the guarantee above. */
  static final Duration CHECK_INTERVAL = Duration.ofMillis(100);
  /**
   * What the executor assumes when a RUN carries no heartbeat timeout (an older coordinator) or an attempt was adopted
   * after a restart: this many heartbeat intervals. The coordinator sends an interval of a quarter of the timeout,
   * capped at 5 s, so 4 intervals is never more than the real timeout (above a 0.8 s timeout): a lease derived from it
   * errs on the safe side.
   */
  static final int ASSUMED_TIMEOUT_IN_INTERVALS = 4;

  /**
   * An attempt whose lease ran out: it has been marked fenced and must be stopped.
   *
   * @param silentMs how long nothing of the attempt has committed, as of the check
   */
  record Expired<T>(AttemptId id, T target, long silentMs, long leaseMs) {}

  private final Map<AttemptId, Lease<T>> leases = new ConcurrentHashMap<>();

  /** The lease for an attempt with this heartbeat timeout: half of it. The other half is for clock skew and stopping. */
  static long leaseMs(long heartbeatTimeoutMs) {
    return heartbeatTimeoutMs / 2;
  }

  /**
   * SIGTERM-to-SIGKILL grace when fencing: the executor's cancel grace, but at most a sixth of the heartbeat timeout, so
   * the lease and the stop together use at most two thirds of it.
   */
  static Duration fenceGrace(long heartbeatTimeoutMs, Duration cancelGrace) {
    Duration sixth = Duration.ofMillis(heartbeatTimeoutMs / 6);
    return cancelGrace.compareTo(sixth) <= 0 ? cancelGrace : sixth;
  }

  /** The heartbeat timeout a RUN command stands for: its own, or an assumption on the safe side (see above). */
  static long heartbeatTimeoutMs(TaskCommand run, long heartbeatIntervalMs) {
    return run.getHeartbeatTimeoutMs() > 0 ? run.getHeartbeatTimeoutMs() : assumedTimeoutMs(heartbeatIntervalMs);
  }

  static long assumedTimeoutMs(long heartbeatIntervalMs) {
    return ASSUMED_TIMEOUT_IN_INTERVALS * heartbeatIntervalMs;
  }

  /**
   * Starts the lease of an attempt whose first event (STARTED, or an adopted attempt's first sign of life) is stamped
   * {@code committedAtMs}.
   */
  void hold(AttemptId id, T target, long committedAtMs, long heartbeatTimeoutMs) {
    leases.put(id, new Lease<>(target, leaseMs(heartbeatTimeoutMs), committedAtMs));
  }

  /** An event of the attempt stamped {@code atMs} committed: the lease now runs from there (never backwards). */
  void renewed(AttemptId id, long atMs) {
    leases.computeIfPresent(id, (k, l) -> l.fenced || atMs <= l.lastCommittedAtMs ? l : l.renewedAt(atMs));
  }

  /** The attempt ended (or was never launched): nothing to fence any more. */
  void release(AttemptId id) {
    leases.remove(id);
  }

  boolean isFenced(AttemptId id) {
    Lease<T> l = leases.get(id);
    return l != null && l.fenced;
  }

  /** When the attempt's last committed event was stamped, or -1 when it holds no lease. */
  long lastCommittedAtMs(AttemptId id) {
    Lease<T> l = leases.get(id);
    return l == null ? -1 : l.lastCommittedAtMs;
  }

  /**
   * The attempts whose lease ran out by {@code nowMs}, each returned once: they are marked fenced as they are returned.
   */
  List<Expired<T>> expire(long nowMs) {
    List<Expired<T>> expired = new ArrayList<>();
    for (AttemptId id : leases.keySet()) {
      leases.computeIfPresent(id, (k, l) -> {
        if (l.fenced || nowMs - l.lastCommittedAtMs <= l.leaseMs) return l;
        expired.add(new Expired<>(k, l.target, nowMs - l.lastCommittedAtMs, l.leaseMs));
        return l.asFenced();
      });
    }
    return expired;
  }

  int size() {
    return leases.size();
  }

  private record Lease<T>(T target, long leaseMs, long lastCommittedAtMs, boolean fenced) {
    Lease(T target, long leaseMs, long lastCommittedAtMs) {
      this(target, leaseMs, lastCommittedAtMs, false);
    }

    Lease<T> renewedAt(long atMs) {
      return new Lease<>(target, leaseMs, atMs, false);
    }

    Lease<T> asFenced() {
      return new Lease<>(target, leaseMs, lastCommittedAtMs, true);
    }
  }
}
