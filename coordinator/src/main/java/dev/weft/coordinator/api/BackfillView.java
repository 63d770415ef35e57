package dev.weft.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A backfill as {@code GET /api/backfills/{id}} and {@code weft backfill status --json} show it: its progress
 * ({@code done} = runs that succeeded, {@code failed} = runs that ended otherwise or were rejected, {@code running},
 * {@code left} = not started) and each value's run.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BackfillView(
    String backfillId,
    String pipeline,
    String param,
    String status,
    int maxActiveRuns,
    int priority,
    int done,
    int running,
    int failed,
    int left,
    long acceptedAtMs,
    Long finishedAtMs,
    List<ValueView> values) {

  /** One value, its run and that run's status (PENDING while not started). */
  public record ValueView(String value, String runId, String status) {}
}
