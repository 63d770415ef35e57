package dev.weft.coordinator.decide;

import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.spec.SpecLimits;
import org.apache.avro.specific.SpecificRecord;

/** The production {@link FoldDecider}: requests to {@link RunRequestDecider}, task events to {@link TaskEventDecider}. */
final class CoordinatorDeciders implements FoldDecider {
  private final RunRequestDecider requests;
  private final TaskEventDecider taskEvents;
  private final TimerDecider timers;

  CoordinatorDeciders(CoordinatorState state, SpecLimits limits) {
    this.requests = new RunRequestDecider(state, limits);
    this.taskEvents = new TaskEventDecider(state);
    this.timers = new TimerDecider(state);
  }

  @Override
  public void decide(SpecificRecord input, Decisions d) {
    if (input instanceof RunRequest r) requests.decide(r, d);
    else if (input instanceof TaskEvent e) taskEvents.decide(e, d);
    else throw new IllegalArgumentException("the fold has no decider for " + input.getClass().getSimpleName());
  }

  @Override
  public int fireTimers(long nowMs, int max, Decisions d) {
    return timers.fire(nowMs, max, d);
  }
}
