package dev.weft.spec;

import java.util.List;

/**
 * A task ready to schedule: parameters substituted, pipeline defaults merged in, durations in milliseconds.
 * {@code specJson} is the resolved {@link TaskSpec} as JSON: what an executor receives in a Run command.
 */
public record ResolvedTask(
    String id,
    String executor,
    List<String> dependsOn,
    RetryPolicy retry,
    long timeoutMs,
    long heartbeatTimeoutMs,
    String output,
    String specJson) {
  public ResolvedTask {
    dependsOn = List.copyOf(dependsOn);
  }
}
