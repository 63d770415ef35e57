package dev.weft.executor.backend;

import dev.weft.avro.FailureKind;

/** The work could not be started at all (bad spec, missing image, binary not found). Reported as Failed. */
public class LaunchException extends Exception {
  private final FailureKind kind;

  public LaunchException(FailureKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public LaunchException(FailureKind kind, String message) {
    this(kind, message, null);
  }

  public FailureKind kind() {
    return kind;
  }
}
