package dev.weft.coordinator.decide;

import dev.weft.avro.FailureKind;
import dev.weft.coordinator.state.TaskState;
import java.util.EnumSet;
import java.util.Set;

/**
 * The retry policy as pure functions. Jitter is drawn from a hash of the attempt id rather than a random number
 * generator, so the same log always yields the same retry times.
 */
public final class RetryPolicies {
  /**
   * Retrying cannot help: the same spec or image will fail the same way, a person asked to stop, or no executor took
   * the task from its queue (another attempt would wait in the same queue).
   */
  private static final Set<FailureKind> NEVER_RETRY = EnumSet.of(FailureKind.OOM_KILLED, FailureKind.IMAGE_MISSING,
      FailureKind.INVALID_SPEC, FailureKind.CANCELLED, FailureKind.QUEUE_TIMED_OUT);

  private RetryPolicies() {}

  public static boolean isRetryable(FailureKind kind, Integer exitCode, TaskState task) {
    if (NEVER_RETRY.contains(kind)) return false;
    return exitCode == null || kind != FailureKind.EXIT_CODE || !task.getNonRetryableExitCodes().contains(exitCode);
  }

  /** @return true when {@code failedAttempt} is not the last one the policy allows */
  public static boolean hasAttemptsLeft(TaskState task, int failedAttempt) {
    return failedAttempt < task.getMaxAttempts();
  }

  /**
   * Backoff before the attempt after {@code failedAttempt}: {@code backoff * multiplier^(failedAttempt-1)}, capped
   * at {@code maxBackoff}, then scaled by a factor in {@code [1-jitter, 1+jitter]}.
   */
  public static long backoffMs(TaskState task, int failedAttempt) {
    double base = task.getBackoffMs() * Math.pow(task.getMultiplier(), Math.max(0, failedAttempt - 1));
    double capped = Math.min(base, (double) task.getMaxBackoffMs());
    double factor = 1 + task.getJitter() * (2 * unitHash(task.getRunId(), task.getTaskId(), failedAttempt) - 1);
    return Math.max(0, Math.round(capped * factor));
  }

  /** A deterministic number in [0, 1) for one attempt id. */
  static double unitHash(String runId, String taskId, int attempt) {
    long h = 1125899906842597L;
    for (String s : new String[] {runId, "/", taskId, "#" + attempt}) {
      for (int i = 0; i < s.length(); i++) h = 31 * h + s.charAt(i);
    }
    h ^= (h >>> 33);
    h *= 0xff51afd7ed558ccdL;
    h ^= (h >>> 33);
    return (h >>> 11) * 0x1.0p-53;
  }
}
