package dev.weft.executor.backend;

import java.time.Duration;

/** An attempt a backend has launched or adopted. */
public interface RunningAttempt {
  /** Backend handle reported in Started: pid, container id, Batch job id, Spark app id. */
  String handle();

  /**
   * Stops the work: a polite signal (SIGTERM), then a forced kill after {@code grace}. The listener's
   * {@code finished} follows with failure kind CANCELLED (or TIMED_OUT when the runtime's timeout fired).
   */
  void cancel(Duration grace, String reason);

  /**
   * Where the work is, when the backend can tell a queue from a run (a Batch job waiting for capacity): {@code
   * QUEUED} or {@code RUNNING}, sent with each heartbeat and shown by {@code weft status}; null when it cannot tell.
   */
  default String phase() {
    return null;
  }

  /** Bounded tail of the output so far, for heartbeats and failure reports; may be empty. */
  default String logTail() {
    return "";
  }
}
