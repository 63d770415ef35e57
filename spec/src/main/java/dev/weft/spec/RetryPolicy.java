package dev.weft.spec;

import java.util.List;

/** A task's retry settings after defaults are applied, in numbers the coordinator's policy computes with. */
public record RetryPolicy(
    int maxAttempts, long backoffMs, double multiplier, long maxBackoffMs, double jitter, List<Integer> nonRetryableExitCodes) {

  /** Like Airflow's {@code retries=0}: a task runs once unless the spec asks for retries. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(1, 5_000, 2.0, 300_000, 0.2, List.of());

  public RetryPolicy {
    nonRetryableExitCodes = nonRetryableExitCodes == null ? List.of() : List.copyOf(nonRetryableExitCodes);
  }
}
