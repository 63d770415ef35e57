package dev.weft.executor.backend;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.spec.TaskSpec;
import java.time.Duration;

/**
 * What a backend is asked to run: the attempt's id, the task's resolved spec (parameters substituted, defaults
 * merged), and the timeout the backend enforces locally (null = none; the coordinator enforces it too).
 */
public record AttemptRequest(AttemptId id, String pipeline, TaskSpec task, Duration timeout) {
  /** The task's block for this backend ({@code process:}, {@code container:}, ...), or null. */
  public JsonNode block() {
    return task.executorBlock();
  }
}
