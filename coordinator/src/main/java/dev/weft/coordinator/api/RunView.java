package dev.weft.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * A run as the query API and {@code weft status --json} show it: header, counts per status, and its tasks;
 * {@code rerunOf} the run it reruns and {@code startedBy} the backfill that started it, when so.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunView(
    String runId,
    String pipeline,
    String status,
    String requester,
    Map<String, String> params,
    long requestedAtMs,
    Long finishedAtMs,
    int taskCount,
    Map<String, Integer> counts,
    String cancelReason,
    List<TaskView> tasks,
    String rerunOf,
    String startedBy) {}
