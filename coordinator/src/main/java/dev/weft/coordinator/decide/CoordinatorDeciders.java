package dev.weft.coordinator.decide;

import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.coordinator.state.CoordinatorState;
import org.apache.avro.specific.SpecificRecord;

/**
 * The production {@link FoldDecider}: requests to {@link RunRequestDecider}, a run's expiry to
 * {@link RunExpiryDecider}, other task events to {@link TaskEventDecider}.
 */
final class CoordinatorDeciders implements FoldDecider {
  private final RunRequestDecider requests;
  private final TaskEventDecider taskEvents;
  private final RunExpiryDecider expiry;
  private final TimerDecider timers;

  CoordinatorDeciders(CoordinatorState state, DeciderSettings settings) {
    this.requests = new RunRequestDecider(state, settings);
    this.taskEvents = new TaskEventDecider(state, settings);
    this.expiry = new RunExpiryDecider(state);
    this.timers = new TimerDecider(state);
  }

  @Override
  public void decide(SpecificRecord input, Decisions d) {
    if (input instanceof RunRequest r) requests.decide(r, d);
    else if (input instanceof TaskEvent e && e.getKind() == TaskEventKind.RUN_EXPIRED) expiry.decide(e, d);
    else if (input instanceof TaskEvent e) taskEvents.decide(e, d);
    else throw new IllegalArgumentException("the fold has no decider for " + input.getClass().getSimpleName());
  }

  @Override
  public int fireTimers(long nowMs, int max, Decisions d) {
    return timers.fire(nowMs, max, d);
  }
}
