package dev.weft.coordinator.decide;

import java.time.Instant;

/**
 * The run a schedule's slot starts: its idempotency key names the schedule and the slot's instant, and its run id
 * comes from that key ({@link BackfillRuns#runId}, as {@code weft submit --idempotency-key} derives one). So a slot
 * fired twice is one run, while the coordinator still holds it.
 */
public final class ScheduleRuns {
  private ScheduleRuns() {}

  public static String idempotencyKey(String name, long slotMs) {
    return "schedule/" + name + "/" + Instant.ofEpochMilli(slotMs);
  }

  public static String runId(String name, long slotMs) {
    return BackfillRuns.runId(name, idempotencyKey(name, slotMs));
  }
}
