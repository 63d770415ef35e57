package dev.weft.coordinator.api;

import dev.weft.coordinator.state.ScheduleState;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;

/** Turns a schedule's state into its view. */
public final class ScheduleViews {
  private ScheduleViews() {}

  public static ScheduleView of(ScheduleState s) {
    return new ScheduleView(s.getName(), s.getCron(), s.getTimezone(), s.getCatchup(), s.getMaxActiveRuns(),
        s.getPaused(), Instant.ofEpochMilli(s.getNextSlotMs()).toString(),
        s.getLastFiredSlotMs() == 0 ? null : Instant.ofEpochMilli(s.getLastFiredSlotMs()).toString(),
        List.copyOf(s.getActiveRunIds()), s.getRunsStarted(), new TreeMap<>(s.getParams()), s.getSpecHash(),
        s.getRequester(), s.getAppliedAtMs());
  }
}
