package dev.weft.executor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.spec.ProcessSpec;
import dev.weft.spec.SpecJson;
import dev.weft.spec.TaskSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Task specs and attempt requests for tests. */
public final class Specs {
  private Specs() {}

  public static TaskSpec process(String taskId, List<String> argv, Map<String, String> env, String workdir) {
    return new TaskSpec(taskId, "process", List.of(), new ProcessSpec(argv, env, workdir),
        null, null, null, null, null, null, null, null, null);
  }

  public static TaskSpec processWithOutput(String taskId, List<String> argv, String output) {
    return new TaskSpec(taskId, "process", List.of(), new ProcessSpec(argv, Map.of(), null),
        null, null, null, null, null, null, null, null, output);
  }

  public static TaskSpec noop(String taskId, String noopBlockJson) {
    JsonNode block = null;
    try {
      if (noopBlockJson != null) block = SpecJson.MAPPER.readTree(noopBlockJson);
    } catch (Exception e) {
      throw new IllegalArgumentException(noopBlockJson, e);
    }
    return new TaskSpec(taskId, "noop", List.of(), null, null, null, null, block, null, null, null, null, null);
  }

  public static AttemptRequest request(TaskSpec task) {
    return new AttemptRequest(new AttemptId("run-1", task.id(), 1), "test-pipeline", task, (Duration) null);
  }

  public static String json(TaskSpec task) {
    try {
      return SpecJson.MAPPER.writeValueAsString(task);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
