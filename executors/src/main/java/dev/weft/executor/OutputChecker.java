package dev.weft.executor;

import java.io.IOException;

/**
 * Answers Luigi's {@code complete()} for a task's {@code output:} target: does it exist already? Then the task is
 * SKIPPED instead of run. One implementation per storage; the runtime gets one checker (which may dispatch on the
 * URI scheme), so S3 can be added without touching the runtime.
 */
@FunctionalInterface
public interface OutputChecker {
  /**
   * @param target the task's {@code output:} as written in the spec, parameters substituted
   * @return whether the target exists
   * @throws UnsupportedOutputException when the target's scheme is not supported by this checker (a spec error)
   * @throws IOException when the storage could not be asked (an infrastructure error)
   */
  boolean exists(String target) throws IOException;

  /** A target this checker cannot check: the task is failed with INVALID_SPEC. */
  final class UnsupportedOutputException extends IllegalArgumentException {
    public UnsupportedOutputException(String message) {
      super(message);
    }
  }
}
