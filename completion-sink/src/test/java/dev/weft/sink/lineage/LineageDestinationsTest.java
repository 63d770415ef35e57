package dev.weft.sink.lineage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.avro.RunEventKind;
import dev.weft.avro.TaskStatus;
import io.openlineage.client.OpenLineageClientUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineageDestinationsTest {
  @TempDir Path dir;

  @Test
  void shouldWriteOneJsonEventPerLineThroughTheClientsFileTransport() throws Exception {
    Path file = dir.resolve("nested/lineage.jsonl");
    try (LineageEmitter emitter = new LineageEmitter(LineageDestinations.open(file.toString(), dir.resolve("unused")),
        new LineageEvents("weft", dir))) {
      emitter.emit(LineageEventsTest.attempt(RunEventKind.ATTEMPT_STARTED, TaskStatus.RUNNING).build());
      emitter.emit(LineageEventsTest.attempt(RunEventKind.ATTEMPT_ENDED, TaskStatus.SKIPPED).build());
      emitter.emit(LineageEventsTest.attempt(RunEventKind.ATTEMPT_ENDED, TaskStatus.SUCCEEDED).build());
      assertThat(emitter.description()).isEqualTo("the file " + file);
    }

    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(2);
    assertThat(lines.stream().map(l -> OpenLineageClientUtils.runEventFromJson(l).getEventType().name()))
        .containsExactly("START", "COMPLETE");
  }

  @Test
  void shouldTurnLineageOffAndRefuseWhatIsNoDestination() {
    assertThat(LineageDestinations.open("off", dir.resolve("x.jsonl"))).isNull();
    assertThatThrownBy(() -> LineageDestinations.open("ftp://host/x", dir.resolve("x.jsonl")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kafka://BOOTSTRAP/TOPIC");
    assertThatThrownBy(() -> LineageDestinations.open("kafka://localhost:9092", dir.resolve("x.jsonl")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kafka://BOOTSTRAP/TOPIC");
    assertThatThrownBy(() -> LineageDestinations.open(dir.resolve("missing.yml").toString(), dir.resolve("x.jsonl")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot read the OpenLineage config file");
  }

  @Test
  void shouldReadAnOpenLineageConfigFile() throws Exception {
    Path file = dir.resolve("events.jsonl");
    Path config = Files.writeString(dir.resolve("openlineage.yml"), "transport:\n  type: file\n  location: " + file + "\n");
    try (LineageEmitter emitter = new LineageEmitter(LineageDestinations.open(config.toString(), dir.resolve("x")),
        new LineageEvents("weft", dir))) {
      emitter.emit(LineageEventsTest.attempt(RunEventKind.ATTEMPT_STARTED, TaskStatus.RUNNING).build());
    }
    assertThat(Files.readAllLines(file)).hasSize(1);
  }
}
