package dev.weft.coordinator.decide;

import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.event.CoordinatorEvent.RunExpired;
import dev.weft.coordinator.event.CoordinatorEvent.RunTasksExpired;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import java.util.List;

/**
 * Decides on the coordinator's own RUN_EXPIRED task event, which its expiry timer wrote to the log when a finished
 * run's retention was over. The decision is taken here, when the event is folded, from the time in the event and the
 * run's state, so a replay of the log expires the same runs without a clock.
 *
 * <p>A run of more tasks than {@code DeciderSettings.sliceTasks} expires a slice at a time: each RUN_EXPIRED deletes
 * the first slice of its tasks and sets a RUN_EXPIRED timer due at once for the next, until what is left fits one
 * decision, which removes it and the run.
 *
 * <p>A run in flight is never expired, whatever the event says: only a finished run has an expiry time, and a run id
 * taken again after its run expired (a new run) is in flight or has a later expiry time.
 */
public final class RunExpiryDecider {
  private final CoordinatorState state;
  private final DeciderSettings settings;

  public RunExpiryDecider(CoordinatorState state, DeciderSettings settings) {
    this.state = state;
    this.settings = settings;
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
    // A run of more tasks than a slice goes a slice at a time, each decision reading and deleting at most that many.
    List<TaskState> first = state.tasksOf(run.getRunId(), settings.sliceTasks() + 1);
    if (first.size() > settings.sliceTasks()) {
      d.record(new RunTasksExpired(run.getRunId(),
          first.subList(0, settings.sliceTasks()).stream().map(TaskState::getTaskId).toList()));
      return;
    }
    d.record(new RunExpired(run.getRunId(), e.getAtMs()));
  }
}
