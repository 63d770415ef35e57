package dev.weft.coordinator.decide;

import dev.weft.spec.SpecLimits;
import java.time.Duration;

/**
 * What the deciders are configured with, beyond the state they read.
 *
 * @param limits bounds on a pipeline spec (tasks, sizes)
 * @param retainFinished how long a finished run stays in the coordinator's stores after it finished; zero keeps it
 *     forever. A run's expiry time is decided when it finishes, with the setting then in force, and kept in its state
 * @param sliceTasks the most tasks one decision creates and dispatches (a task mapped over a count), tells of a
 *     completed dependency (a wide fan-out, which also waits until at most half this many of the run's tasks are out)
 *     or deletes (an expiring run)
 */
public record DeciderSettings(SpecLimits limits, Duration retainFinished, int sliceTasks) {
  public DeciderSettings {
    if (retainFinished.isNegative()) throw new IllegalArgumentException("retainFinished must be 0 or more, was " + retainFinished);
  }

  /** When a run that finished at {@code finishedAtMs} expires; 0 when finished runs are kept forever. */
  long expiresAtMs(long finishedAtMs) {
    return retainFinished.isZero() ? 0 : finishedAtMs + retainFinished.toMillis();
  }
}
