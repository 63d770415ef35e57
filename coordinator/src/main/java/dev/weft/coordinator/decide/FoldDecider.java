package dev.weft.coordinator.decide;

import dev.weft.coordinator.state.CoordinatorState;
import org.apache.avro.specific.SpecificRecord;

/**
 * Everything the fold decides: on each input (a pipeline request or a task event) and on due timers. The topology
 * calls it with a read-only view and a {@link Decisions} to record into, and keeps the decision only if it returns.
 */
public interface FoldDecider {
  /** Decides on a {@code RunRequest} or a {@code TaskEvent}. */
  void decide(SpecificRecord input, Decisions d);

  /** Turns the timers due by {@code nowMs} (at most {@code max}) into task events. @return how many fired */
  int fireTimers(long nowMs, int max, Decisions d);

  /** Makes the fold's decider over a state view; the topology takes one so that tests can wrap the production one. */
  @FunctionalInterface
  interface Factory {
    FoldDecider create(CoordinatorState state, DeciderSettings settings);
  }

  /** The production deciders. */
  Factory PRODUCTION = CoordinatorDeciders::new;
}
