package dev.weft.executor.backend;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.spec.TaskSpec;
import java.time.Duration;

/**
 * What a backend is asked to run: the attempt's id, the task's resolved spec (parameters substituted, defaults
 * merged), the timeout the backend enforces locally (null = none; the coordinator enforces it too), and the files
 * the attempt may write for the coordinator (null for a backend that does not take them).
 */
public record AttemptRequest(AttemptId id, String pipeline, TaskSpec task, Duration timeout, AttemptFiles files) {
  public AttemptRequest(AttemptId id, String pipeline, TaskSpec task, Duration timeout) {
    this(id, pipeline, task, timeout, null);
  }

  public AttemptRequest withFiles(AttemptFiles f) {
    return new AttemptRequest(id, pipeline, task, timeout, f);
  }

  /** The attempt's variables ({@link TaskEnvironment}) over the task's own, with the files at their host paths. */
  public java.util.Map<String, String> environment(java.util.Map<String, String> taskEnv) {
    return TaskEnvironment.over(taskEnv, id, files == null ? null : files.resultFile().toString(),
        files == null ? null : files.spawnFile().toString());
  }

  /** The task's block for this backend ({@code process:}, {@code container:}, ...), or null. */
  public JsonNode block() {
    return task.executorBlock();
  }
}
