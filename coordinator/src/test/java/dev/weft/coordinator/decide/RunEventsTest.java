package dev.weft.coordinator.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import org.junit.jupiter.api.Test;

class RunEventsTest {
  @Test
  void shouldStartFromTheSchemaDefaultsAsTheBuilderDoes() {
    RunEvent built = RunEvent.newBuilder().setKind(RunEventKind.TASK_FINISHED).setRunId("r1").setAtMs(42L).build();

    RunEvent blank = RunEvents.blank(RunEventKind.TASK_FINISHED, "r1", 42L);

    assertThat(blank).isEqualTo(built);
  }

  @Test
  void shouldGiveEachEventCollectionsOfItsOwn() {
    RunEvent first = RunEvents.blank(RunEventKind.ATTEMPT_STARTED, "r1", 1L);
    RunEvent second = RunEvents.blank(RunEventKind.ATTEMPT_STARTED, "r1", 1L);

    first.getInputs().add("s3://a");
    first.getCounts().put("SUCCEEDED", 1);

    assertThat(second.getInputs()).isEmpty();
    assertThat(second.getCounts()).isEmpty();
  }
}
