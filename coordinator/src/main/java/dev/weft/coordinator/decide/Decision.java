package dev.weft.coordinator.decide;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.event.CoordinatorEvent;
import java.util.List;

/**
 * A whole decision on one input, as a value (Kafka's {@code CoordinatorResult}): the events that change state, in
 * the order they were applied, and what to send, in the order it was decided. The topology keeps the state changes
 * and sends the outputs only once the decider has returned it; a decider that throws has no decision.
 */
public record Decision(List<CoordinatorEvent> events, List<Output> outputs) {
  /** Something the fold sends or counts once the decision stands. */
  public sealed interface Output {}

  /** A Run or Cancel command for {@code commands.<executor>}. */
  public record SendCommand(TaskCommand command) implements Output {}

  /** A run event for {@code run-events}. */
  public record PublishRunEvent(RunEvent event) implements Output {}

  /** A time-based decision written back to {@code task-events}, so that a replay folds it instead of asking a clock. */
  public record WriteBackTaskEvent(TaskEvent event) implements Output {}

  /**
   * A request for {@code pipeline-requests}, keyed by its run id: a rerun's SUBMIT, sent by the coordinator that holds
   * the run it reruns, and a backfill's runs and cancels. Like a written-back task event, it comes back as input.
   */
  public record SendRequest(RunRequest request) implements Output {}

  /** The input is copied to dead-letter with this reason. */
  public record DeadLetter(String reason) implements Output {}

  /** The input was well-formed but not acted on (stale, duplicate); counted and logged. */
  public record Ignore(String reason) implements Output {}
}
