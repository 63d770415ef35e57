package dev.weft.sink.lineage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.TaskStatus;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClientUtils;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineageEventsTest {
  static final long STARTED = 1_796_126_400_000L; // 2026-12-01T12:00:00Z
  final LineageEvents events = new LineageEvents("weft", Path.of("/work"));

  static RunEvent.Builder attempt(RunEventKind kind, TaskStatus status) {
    return RunEvent.newBuilder().setKind(kind).setRunId("daily-20261201-120000-a1b2c3").setAtMs(STARTED + 5_000)
        .setPipeline("daily").setTaskId("report").setAttempt(2).setTaskStatus(status).setExecutor("process")
        .setSource("exec-1").setStartedAtMs(STARTED)
        .setOutputs(List.of("s3://reports/daily/2026-12-01/"))
        .setInputs(List.of("out/joined.csv", "s3://raw/customers.csv", "file:///work/out/joined.csv"));
  }

  @Test
  void shouldMapAStartedAttemptToAStartOfItsOwnRunUnderTheWeftRun() throws Exception {
    OpenLineage.RunEvent start = events.of(attempt(RunEventKind.ATTEMPT_STARTED, TaskStatus.RUNNING).build()).orElseThrow();

    assertThat(start.getEventType()).isEqualTo(OpenLineage.RunEvent.EventType.START);
    assertThat(start.getEventTime().toInstant().toEpochMilli()).isEqualTo(STARTED);
    assertThat(start.getJob().getNamespace()).isEqualTo("weft");
    assertThat(start.getJob().getName()).isEqualTo("daily.report");
    assertThat(start.getRun().getRunId()).isEqualTo(LineageIds.attempt("daily-20261201-120000-a1b2c3", "report", 2));
    assertThat(start.getRun().getFacets().getParent().getRun().getRunId())
        .isEqualTo(LineageIds.run("daily-20261201-120000-a1b2c3"));
    assertThat(start.getRun().getFacets().getParent().getJob().getName()).isEqualTo("daily");
    // A relative path resolves against the base directory; the same file written two ways is one dataset.
    assertThat(start.getInputs()).extracting(OpenLineage.InputDataset::getNamespace, OpenLineage.InputDataset::getName)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("file", "/work/out/joined.csv"),
            org.assertj.core.groups.Tuple.tuple("s3://raw", "customers.csv"));
    assertThat(start.getOutputs()).extracting(OpenLineage.OutputDataset::getNamespace, OpenLineage.OutputDataset::getName)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("s3://reports", "daily/2026-12-01"));
  }

  @Test
  void shouldSerializeWithTheClientsOwnJsonAsTheOpenLineageSpecAsks() throws Exception {
    OpenLineage.RunEvent fail = events.of(attempt(RunEventKind.ATTEMPT_ENDED, TaskStatus.FAILED)
        .setFinishedAtMs(STARTED + 4_000).setExitCode(3).setReason("exit code 3").build()).orElseThrow();

    JsonNode json = new ObjectMapper().readTree(OpenLineageClientUtils.toJson(fail));

    assertThat(json.get("eventType").asText()).isEqualTo("FAIL");
    assertThat(json.get("eventTime").asText()).isEqualTo("2026-12-01T12:00:04Z");
    assertThat(json.get("producer").asText()).isEqualTo("urn:weft:completion-sink");
    assertThat(json.get("schemaURL").asText()).startsWith("https://openlineage.io/spec/");
    assertThat(json.at("/run/runId").asText())
        .isEqualTo(LineageIds.attempt("daily-20261201-120000-a1b2c3", "report", 2).toString());
    assertThat(json.at("/run/facets/errorMessage/message").asText()).isEqualTo("exit code 3");
    assertThat(json.at("/run/facets/weft_attempt/taskId").asText()).isEqualTo("report");
    assertThat(json.at("/run/facets/weft_attempt/status").asText()).isEqualTo("FAILED");
    assertThat(json.at("/run/facets/weft_attempt/exitCode").asInt()).isEqualTo(3);
    assertThat(json.at("/run/facets/parent/job/namespace").asText()).isEqualTo("weft");
    assertThat(json.at("/job/facets/jobType/integration").asText()).isEqualTo("WEFT");
    assertThat(json.at("/outputs/0/namespace").asText()).isEqualTo("s3://reports");
    // The client reads back what it wrote.
    assertThat(OpenLineageClientUtils.runEventFromJson(OpenLineageClientUtils.toJson(fail)).getRun().getRunId())
        .isEqualTo(fail.getRun().getRunId());
  }

  @Test
  void shouldMapEachEndOfAnAttemptAsDecided() {
    assertThat(type(attempt(RunEventKind.ATTEMPT_ENDED, TaskStatus.SUCCEEDED))).isEqualTo("COMPLETE");
    assertThat(type(attempt(RunEventKind.ATTEMPT_ENDED, TaskStatus.FAILED))).isEqualTo("FAIL");
    assertThat(type(attempt(RunEventKind.ATTEMPT_ENDED, TaskStatus.TIMED_OUT))).isEqualTo("FAIL");
    assertThat(type(attempt(RunEventKind.ATTEMPT_ENDED, TaskStatus.FAILED).setSource(null)))
        .as("a failure before the start is still a failure").isEqualTo("FAIL");
    assertThat(type(attempt(RunEventKind.ATTEMPT_ENDED, TaskStatus.CANCELLED))).isEqualTo("ABORT");
    assertThat(type(attempt(RunEventKind.ATTEMPT_ENDED, TaskStatus.CANCELLED).setSource(null)))
        .as("cancelled before it started: nothing ran").isEqualTo("none");
    assertThat(type(attempt(RunEventKind.ATTEMPT_ENDED, TaskStatus.SKIPPED)))
        .as("its output was there: it wrote nothing").isEqualTo("none");
    assertThat(type(attempt(RunEventKind.TASK_FINISHED, TaskStatus.SUCCEEDED))).isEqualTo("none");
  }

  @Test
  void shouldMapTheSameRecordToTheSameEventEveryTime() {
    RunEvent e = attempt(RunEventKind.ATTEMPT_ENDED, TaskStatus.SUCCEEDED).setFinishedAtMs(STARTED + 9_000).build();

    String once = OpenLineageClientUtils.toJson(events.of(e).orElseThrow());
    String again = OpenLineageClientUtils.toJson(new LineageEvents("weft", Path.of("/work")).of(e).orElseThrow());

    assertThat(again).isEqualTo(once);
    assertThat(LineageIds.attempt("r", "t", 1)).isNotEqualTo(LineageIds.attempt("r", "t", 2))
        .isNotEqualTo(LineageIds.attempt("r/t", "", 1));
  }

  private String type(RunEvent.Builder b) {
    return events.of(b.build()).map(ev -> ev.getEventType().name()).orElse("none");
  }
}
