package dev.weft.coordinator.decide;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.event.CoordinatorEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Collects one decision. Each recorded event is applied at once to the decision's staged view of state (so the
 * decider's later reads see it) and kept; outputs are only kept. {@link #build} returns the {@link Decision}.
 */
public final class DecisionBuilder implements Decisions {
  private final Consumer<CoordinatorEvent> applyToView;
  private final boolean publishing;
  private final List<CoordinatorEvent> events = new ArrayList<>();
  private final List<Decision.Output> outputs = new ArrayList<>();

  /**
   * @param applyToView applies an event to the view the decider reads (the staged state, never the stores directly)
   * @param publishing false while a replay folds input whose outputs were already published
   */
  public DecisionBuilder(Consumer<CoordinatorEvent> applyToView, boolean publishing) {
    this.applyToView = applyToView;
    this.publishing = publishing;
  }

  @Override
  public void record(CoordinatorEvent event) {
    applyToView.accept(event);
    events.add(event);
  }

  @Override
  public void command(TaskCommand command) {
    outputs.add(new Decision.SendCommand(command));
  }

  @Override
  public void runEvent(RunEvent event) {
    outputs.add(new Decision.PublishRunEvent(event));
  }

  @Override
  public void taskEvent(TaskEvent event) {
    outputs.add(new Decision.WriteBackTaskEvent(event));
  }

  @Override
  public void request(RunRequest request) {
    outputs.add(new Decision.SendRequest(request));
  }

  @Override
  public boolean publishing() {
    return publishing;
  }

  @Override
  public void ignored(String reason, Object input) {
    outputs.add(new Decision.Ignore(reason));
  }

  @Override
  public void deadLetter(String reason) {
    outputs.add(new Decision.DeadLetter(reason));
  }

  public Decision build() {
    return new Decision(List.copyOf(events), List.copyOf(outputs));
  }
}
