package dev.weft.coordinator.api;

import dev.weft.coordinator.state.BackfillState;
import java.util.ArrayList;
import java.util.List;

/** Turns a backfill's state into its view, with its progress counted. */
public final class BackfillViews {
  private BackfillViews() {}

  public static BackfillView of(BackfillState b) {
    int done = 0, running = 0, failed = 0, left = 0;
    List<BackfillView.ValueView> values = new ArrayList<>();
    for (int i = 0; i < b.getValues().size(); i++) {
      String s = b.getRunStatuses().get(i);
      switch (s) {
        case "PENDING" -> left++;
        case "RUNNING" -> running++;
        case "SUCCEEDED" -> done++;
        default -> failed++;
      }
      values.add(new BackfillView.ValueView(b.getValues().get(i), b.getRunIds().get(i), s));
    }
    return new BackfillView(b.getBackfillId(), b.getPipeline(), b.getParam(), b.getStatus(), b.getMaxActiveRuns(),
        b.getPriority(), done, running, failed, left, b.getAcceptedAtMs(),
        b.getFinishedAtMs() == 0 ? null : b.getFinishedAtMs(), values);
  }
}
