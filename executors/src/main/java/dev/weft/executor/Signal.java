package dev.weft.executor;

import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.AttemptFiles;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.RunningAttempt;

/**
 * What a backend or launch thread tells the poll loop about one attempt. Put on {@link Signals} by other threads;
 * the loop alone acts on it ({@link SignalApplier}), since the loop alone owns the producer and the attempt table.
 */
sealed interface Signal {
  Attempt attempt();

  /**
   * Whether the coordinator waits for what this signal sends: an outcome decides the next task, so it ends the
   * loop's wait in a poll; a handle or a tracking URL goes out with the next transaction (at most a poll timeout later).
   */
  default boolean awaited() {
    return this instanceof Finished || this instanceof LaunchFailed;
  }

  /** A URL where a person can watch the work. */
  record Tracking(Attempt attempt, String url) implements Signal {}

  /** The attempt ended; its result and spawn files were read on the backend's thread. */
  record Finished(Attempt attempt, AttemptOutcome outcome, AttemptFiles.Collected files) implements Signal {}

  /** The backend's launch returned the running attempt. */
  record Launched(Attempt attempt, RunningAttempt running) implements Signal {}

  /** The backend's launch refused or failed; nothing runs. */
  record LaunchFailed(Attempt attempt, FailureKind kind, String reason) implements Signal {}
}
