package dev.weft.coordinator.decide;

import dev.weft.avro.RunEvent;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.event.CoordinatorEvent;

/**
 * Where deciders put what they decided. {@link #record} applies the event to state at once (Zeebe's state writer),
 * so a decider's later reads in the same decision see it; the rest are outputs the topology forwards to topics.
 */
public interface Decisions {
  void record(CoordinatorEvent event);

  /** A Run or Cancel command for {@code commands.<executor>}. */
  void command(TaskCommand command);

  void runEvent(RunEvent event);

  /** A time-based decision written back to task-events, so a replay folds it instead of asking a clock. */
  void taskEvent(TaskEvent event);

  /**
   * False while a replay folds input that the coordinator it replaces already published: outputs are then dropped,
   * and a decider may skip building them. Events are recorded either way.
   */
  default boolean publishing() {
    return true;
  }

  /** The input was well-formed but not acted on (stale, duplicate, unknown); counted and logged, never an error. */
  void ignored(String reason, Object input);

  /** The input is also copied to dead-letter for operators, with this reason. */
  void deadLetter(String reason);
}
