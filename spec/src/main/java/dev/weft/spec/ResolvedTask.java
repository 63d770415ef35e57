package dev.weft.spec;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * A task ready to schedule: parameters substituted, pipeline defaults merged in, durations in milliseconds.
 * {@code specJson} is the resolved {@link TaskSpec} as JSON: what an executor receives in a Run command.
 * {@code queueTimeoutMs} 0 means a task may wait for an executor forever. {@code output} (or null) and {@code inputs}
 * are {@link Target}s as written, parameters substituted, each one valid. {@code mapOver} (or null) names the task
 * whose result this one is mapped over: it is then a template, {@code ${item}} still in its {@code specJson} and
 * {@code output}, and {@code dependsOn} includes that task. {@code mapCount} (or null) makes it a template of that
 * many instances instead, {@code ${item}} being each one's index. {@code notBeforeMs} (epoch ms, 0 for none) is the
 * time before which it does not start, even with its dependencies met.
 */
public record ResolvedTask(
    String id,
    String executor,
    List<String> dependsOn,
    RetryPolicy retry,
    long timeoutMs,
    long heartbeatTimeoutMs,
    long queueTimeoutMs,
    String output,
    List<String> inputs,
    String specJson,
    String mapOver,
    long notBeforeMs,
    Integer mapCount) {
  /** A task not mapped over a count. */
  public ResolvedTask(String id, String executor, List<String> dependsOn, RetryPolicy retry, long timeoutMs,
      long heartbeatTimeoutMs, long queueTimeoutMs, String output, List<String> inputs, String specJson,
      String mapOver, long notBeforeMs) {
    this(id, executor, dependsOn, retry, timeoutMs, heartbeatTimeoutMs, queueTimeoutMs, output, inputs, specJson,
        mapOver, notBeforeMs, null);
  }

  /** A task that waits for no time. */
  public ResolvedTask(String id, String executor, List<String> dependsOn, RetryPolicy retry, long timeoutMs,
      long heartbeatTimeoutMs, long queueTimeoutMs, String output, List<String> inputs, String specJson,
      String mapOver) {
    this(id, executor, dependsOn, retry, timeoutMs, heartbeatTimeoutMs, queueTimeoutMs, output, inputs, specJson,
        mapOver, 0);
  }

  /** A task that is not mapped over another one's result. */
  public ResolvedTask(String id, String executor, List<String> dependsOn, RetryPolicy retry, long timeoutMs,
      long heartbeatTimeoutMs, long queueTimeoutMs, String output, List<String> inputs, String specJson) {
    this(id, executor, dependsOn, retry, timeoutMs, heartbeatTimeoutMs, queueTimeoutMs, output, inputs, specJson, null);
  }

  public ResolvedTask {
    inputs = inputs == null ? List.of() : List.copyOf(inputs);
    // A dependency named twice is one dependency: a task waits for it once, and is its dependant once.
    dependsOn = dependsOn.size() < 2 ? List.copyOf(dependsOn) : List.copyOf(new LinkedHashSet<>(dependsOn));
  }
}
