package dev.weft.executor.policy;

import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.LaunchException;

/**
 * A task that asks for more than its executor's operator allows. It fails at once as INVALID_SPEC, which the
 * coordinator never retries: the same request would be refused again. The message names the rule, so the requester
 * knows what to change or whom to ask.
 */
public final class PolicyViolation {
  private PolicyViolation() {}

  /**
   * @param rule the policy field that refused, as written in the policy file ({@code container.allowRoot})
   * @param what what the task asked for, and why it is refused
   */
  public static LaunchException of(String rule, String what) {
    return new LaunchException(FailureKind.INVALID_SPEC, "refused by the executor's policy (rule " + rule + "): " + what
        + "; change the task, or ask the executor's operator to allow it in the policy file (--policy)");
  }
}
