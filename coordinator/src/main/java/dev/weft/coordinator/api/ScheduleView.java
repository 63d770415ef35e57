package dev.weft.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * A schedule as {@code GET /api/schedules[/{name}]} and {@code weft schedule list --json} show it. {@code nextSlot}
 * is the first slot not fired yet (while paused, the one it would have been) and {@code lastFiredSlot} the last one
 * fired, both ISO-8601 instants; {@code activeRuns} are the runs it started that have not ended.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScheduleView(
    String name,
    String cron,
    String timezone,
    boolean catchup,
    int maxActiveRuns,
    boolean paused,
    String nextSlot,
    String lastFiredSlot,
    List<String> activeRuns,
    long runsStarted,
    Map<String, String> params,
    String specHash,
    String requester,
    long appliedAtMs) {}
