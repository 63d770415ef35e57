package dev.weft.coordinator.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Which decisions someone waits for, and so are committed within the commit interval ({@code CommitPacer}). */
class DecisionAwaitedTest {

  private static Decision deciding(Decision.Output... outputs) {
    return new Decision(List.of(), List.of(outputs));
  }

  private static Decision.PublishRunEvent runEvent(RunEventKind kind) {
    return new Decision.PublishRunEvent(RunEvent.newBuilder().setKind(kind).setRunId("r").setAtMs(1).build());
  }

  @Test
  void shouldAwaitWhatAnotherProcessOrTheFoldItselfActsOn() {
    assertThat(deciding(new Decision.SendCommand(new TaskCommand())).awaited()).as("a command").isTrue();
    assertThat(deciding(new Decision.WriteBackTaskEvent(new TaskEvent())).awaited()).as("a written-back event")
        .isTrue();
    assertThat(deciding(new Decision.SendRequest(new RunRequest())).awaited()).as("a rerun's request").isTrue();
    assertThat(deciding(new Decision.DeadLetter("bad")).awaited()).as("a dead letter").isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = RunEventKind.class, names = {"RUN_ACCEPTED", "RUN_REJECTED", "RUN_FINISHED"})
  void shouldAwaitTheRunEventsARequesterWaitsFor(RunEventKind kind) {
    assertThat(deciding(runEvent(kind)).awaited()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = RunEventKind.class, names = {"RUN_ACCEPTED", "RUN_REJECTED", "RUN_FINISHED"},
      mode = EnumSource.Mode.EXCLUDE)
  void shouldNotAwaitATasksProgress(RunEventKind kind) {
    assertThat(deciding(runEvent(kind), new Decision.Ignore("late")).awaited()).isFalse();
  }

  @Test
  void shouldAwaitADecisionWhenAnyOfItsOutputsIs() {
    assertThat(deciding(runEvent(RunEventKind.ATTEMPT_ENDED), runEvent(RunEventKind.TASK_FINISHED),
        new Decision.SendCommand(new TaskCommand())).awaited()).isTrue();
    assertThat(deciding().awaited()).as("nothing sent").isFalse();
  }
}
