package dev.weft.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One task as the query API and {@code weft status --json} show it. {@code phase} is where a RUNNING task's work
 * is, when its executor says: QUEUED (accepted by its backend, waiting for capacity) or RUNNING; or STOPPING, when it
 * ran past its timeout and its executor was told to stop it (it ends TIMED_OUT once stopped). A mapped task has
 * {@code mapOver} (the task it maps over) and, once expanded, {@code instances}; each instance has {@code mapParent};
 * a spawned task has {@code spawnedBy}. {@code dependsOn} are the edges of the run's graph, which the run page draws.
 * {@code notBefore} (ISO-8601) is the time before which the task does not start; {@code waitingForTime} is true while
 * its dependencies are met and it waits only for that time.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskView(
    String id,
    String status,
    String executor,
    int attempts,
    Integer exitCode,
    String failureKind,
    String lastFailure,
    List<FailureView> failures,
    String trackingUrl,
    String handle,
    Long startedAtMs,
    Long finishedAtMs,
    String logTail,
    String phase,
    String mapOver,
    Integer instances,
    String mapParent,
    String spawnedBy,
    List<String> dependsOn,
    String notBefore,
    Boolean waitingForTime) {

  /** A task without a notBefore time. */
  public TaskView(String id, String status, String executor, int attempts, Integer exitCode, String failureKind,
      String lastFailure, List<FailureView> failures, String trackingUrl, String handle, Long startedAtMs,
      Long finishedAtMs, String logTail, String phase, String mapOver, Integer instances, String mapParent,
      String spawnedBy, List<String> dependsOn) {
    this(id, status, executor, attempts, exitCode, failureKind, lastFailure, failures, trackingUrl, handle, startedAtMs,
        finishedAtMs, logTail, phase, mapOver, instances, mapParent, spawnedBy, dependsOn, null, null);
  }

  /** One failed attempt. */
  public record FailureView(int attempt, long atMs, String kind, Integer exitCode, String reason) {}
}
