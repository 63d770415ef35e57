package dev.weft.coordinator.decide;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.event.CoordinatorEvent;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A whole decision on one input, as a value (Kafka's {@code CoordinatorResult}): the events that change state, in
 * the order they were applied, and what to send, in the order it was decided. The topology keeps the state changes
 * and sends the outputs only once the decider has returned it; a decider that throws has no decision.
 */
public record Decision(List<CoordinatorEvent> events, List<Output> outputs) {
  /** The run events a requester waits for: {@code weft run}, {@code submit --wait} and the client's {@code await}. */
  private static final Set<RunEventKind> AWAITED_RUN_EVENTS =
      EnumSet.of(RunEventKind.RUN_ACCEPTED, RunEventKind.RUN_REJECTED, RunEventKind.RUN_FINISHED);

  /**
   * Whether someone waits for an output of this decision to be readable: an executor for a command, a requester for
   * its run's acceptance, rejection or end or for the dead letter of its request, and the fold itself for what it
   * wrote back to its own input. A task's start, heartbeat or progress, or an end that frees no other task, is
   * awaited by no one; the fold commits those with the next commit ({@code CommitPacer}).
   */
  public boolean awaited() {
    for (Output o : outputs) {
      if (o instanceof SendCommand || o instanceof WriteBackTaskEvent || o instanceof SendRequest
          || o instanceof DeadLetter) {
        return true;
      }
      if (o instanceof PublishRunEvent e && AWAITED_RUN_EVENTS.contains(e.event().getKind())) return true;
    }
    return false;
  }

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
