package dev.weft.cli;

/**
 * A mistake in how a command was called that only the command itself can see (a file that is not there, an option
 * value it cannot use): reported like picocli's own parse errors, one line and the hint, exit code {@link Weft#USAGE}.
 */
final class UsageException extends RuntimeException {
  UsageException(String message) {
    super(message);
  }
}
