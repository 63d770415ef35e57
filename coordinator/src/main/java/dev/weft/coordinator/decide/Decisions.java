package dev.weft.coordinator.decide;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.event.CoordinatorEvent;

/**
 * Where deciders put what they decide, piece by piece ({@link DecisionBuilder} makes a {@link Decision} of it).
 * {@link #record} applies the event at once to the view the decider reads, so its later reads in the same decision
 * see it; nothing reaches the stores or a topic before the decider has returned.
 */
public interface Decisions {
  void record(CoordinatorEvent event);

  /** A Run or Cancel command for {@code commands.<executor>}. */
  void command(TaskCommand command);

  void runEvent(RunEvent event);

  /** A time-based decision written back to task-events, so a replay folds it instead of asking a clock. */
  void taskEvent(TaskEvent event);

  /** A request for pipeline-requests, keyed by its run id (a rerun's SUBMIT, a backfill's runs). */
  void request(RunRequest request);

  /**
   * False while a replay folds input that the coordinator it replaces already published: outputs are then dropped,
   * and a decider may skip building them. Events are recorded either way.
   */
  default boolean publishing() {
    return true;
  }

  /** The input was well-formed but not acted on (stale, duplicate); counted and logged, never an error. */
  void ignored(String reason, Object input);

  /** The input is copied to dead-letter for operators, with this reason. */
  void deadLetter(String reason);
}
