package dev.weft.executor.backend;

/** Names one execution of one task: executors are idempotent on it. */
public record AttemptId(String runId, String taskId, int attempt) {
  @Override
  public String toString() {
    return runId + "/" + taskId + "#" + attempt;
  }
}
