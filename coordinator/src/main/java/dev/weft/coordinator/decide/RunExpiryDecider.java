package dev.weft.coordinator.decide;

import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.event.CoordinatorEvent.RunExpired;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.RunState;

/**
 * Decides on the coordinator's own RUN_EXPIRED task event, which its expiry timer wrote to the log when a finished
 * run's retention was over. The decision is taken here, when the event is folded, from the time in the event and the
 * run's state, so a replay of the log expires the same runs without a clock.
 *
 * <p>A run in flight is never expired, whatever the event says: only a finished run has an expiry time, and a run id
 * taken again after its run expired (a new run) is in flight or has a later expiry time.
 */
public final class RunExpiryDecider {
  private final CoordinatorState state;

  public RunExpiryDecider(CoordinatorState state) {
    this.state = state;
  }

  public void decide(TaskEvent e, Decisions d) {
    RunState run = state.run(e.getRunId());
    if (run == null) {
      // Written by the coordinator itself, so not bad input: the run is gone already (this event was folded twice).
      d.ignored("RUN_EXPIRED for a run no longer held", e);
      return;
    }
    RunStatus status = RunStatus.valueOf(run.getStatus());
    if (status == RunStatus.RUNNING || status == RunStatus.CANCELLING) {
      d.ignored("RUN_EXPIRED for a run that is " + status, e);
      return;
    }
    if (run.getExpiresAtMs() <= 0 || e.getAtMs() < run.getExpiresAtMs()) {
      // Kept forever, or kept longer than when the timer was set (a replay with a longer retainFinished).
      d.ignored("RUN_EXPIRED no longer applies", e);
      return;
    }
    d.record(new RunExpired(run.getRunId(), e.getAtMs()));
  }
}
