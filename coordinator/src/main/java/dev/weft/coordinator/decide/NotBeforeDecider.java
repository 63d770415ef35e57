package dev.weft.coordinator.decide;

import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;

/**
 * Decides on the coordinator's own NOT_BEFORE_REACHED task event: a task held for its notBefore time (its
 * dependencies met) is dispatched once that time has passed. The punctuator wrote the event when the task's timer was
 * due, with the time it noticed; the decision is taken here from that time, so a replay dispatches the same task at
 * the same place in the log without a clock.
 */
public final class NotBeforeDecider {
  private final CoordinatorState state;
  private final TaskOutcomeBehavior outcomes;

  public NotBeforeDecider(CoordinatorState state, DeciderSettings settings) {
    this.state = state;
    this.outcomes = new TaskOutcomeBehavior(state, settings);
  }

  public void decide(TaskEvent e, Decisions d) {
    RunState run = state.run(e.getRunId());
    TaskState t = run == null ? null : state.task(e.getRunId(), e.getTaskId());
    if (t == null) {
      // Written by the coordinator itself, so not bad input: the run expired after the timer fired.
      d.ignored("NOT_BEFORE_REACHED for a task no longer held", e);
      return;
    }
    if (!TaskStatus.PENDING.name().equals(t.getStatus()) || t.getHeldUntilMs() == 0
        || !RunStatus.RUNNING.name().equals(run.getStatus()) || e.getAtMs() < t.getNotBeforeMs()) {
      // Cancelled or failed upstream meanwhile (its hold is cleared then), or a run being cancelled.
      d.ignored("NOT_BEFORE_REACHED no longer applies", e);
      return;
    }
    outcomes.dispatch(t, e.getAtMs(), d);
  }
}
