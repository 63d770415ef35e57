package dev.weft.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * How a run ended: its status (SUCCEEDED, FAILED, CANCELLED, or REJECTED with the reason), counts per task status,
 * and every task in the order the pipeline lists them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunResult(String runId, String pipeline, String status, String reason, int taskCount,
    Map<String, Integer> counts, List<TaskResult> tasks, Long startedAtMs, Long finishedAtMs) {

  public boolean succeeded() {
    return "SUCCEEDED".equals(status);
  }
}
