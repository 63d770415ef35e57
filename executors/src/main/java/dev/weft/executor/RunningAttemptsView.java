package dev.weft.executor;

import dev.weft.executor.backend.AttemptId;

/**
 * What the {@link CommandHandler} may read of the {@link RunningAttempts} table: never the attempts themselves, so it
 * cannot change them (Zeebe's processors read {@code state/immutable} only).
 */
interface RunningAttemptsView {
  /** Attempts running here. */
  int size();

  /** Whether this instance has committed a decision on a RUN of this attempt, or adopted it. */
  boolean seen(AttemptId id);

  /** Whether the attempt runs here. */
  boolean holds(AttemptId id);

  /** Whether an attempt running here is already being stopped by a CANCEL or its timeout. */
  boolean stopping(AttemptId id);
}
