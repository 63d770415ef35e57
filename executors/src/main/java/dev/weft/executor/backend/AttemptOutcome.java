package dev.weft.executor.backend;

import dev.weft.avro.FailureKind;

/**
 * How an attempt ended. {@code failureKind} is null on success. {@code logTail} is the bounded tail of
 * stdout/stderr; {@code reason} one line saying what failed and, where known, what to do.
 */
public record AttemptOutcome(boolean succeeded, Integer exitCode, FailureKind failureKind, String reason, String logTail) {
  public static AttemptOutcome success(Integer exitCode, String logTail) {
    return new AttemptOutcome(true, exitCode, null, null, logTail);
  }

  public static AttemptOutcome failure(FailureKind kind, Integer exitCode, String reason, String logTail) {
    return new AttemptOutcome(false, exitCode, kind, reason, logTail);
  }
}
