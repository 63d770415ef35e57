package dev.weft.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.FailureKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HistoryRecordsTest {
  static final long ACCEPTED = HistoryKeysTest.DEC_1_2026_2359_UTC;

  static RunEvent.Builder event(RunEventKind kind) {
    return RunEvent.newBuilder().setKind(kind).setRunId("r1").setPipeline("p").setAtMs(ACCEPTED + 5000)
        .setRunAcceptedAtMs(ACCEPTED);
  }

  @Test
  void shouldWriteAnAttemptWithEverythingItsEventSaid() throws Exception {
    RunEvent e = event(RunEventKind.ATTEMPT_ENDED).setTaskId("t").setAttempt(1).setTaskStatus(TaskStatus.FAILED)
        .setFailureKind(FailureKind.EXIT_CODE).setExitCode(3).setReason("exit code 3").setLogTail("boom")
        .setRetrying(true).setExecutor("process").setSource("p1").setHandle("123").setStartedAtMs(ACCEPTED + 1)
        .setFinishedAtMs(ACCEPTED + 2).setInputs(List.of("in")).setOutputs(List.of("out")).build();

    List<HistoryRecords.HistoryObject> objects = HistoryRecords.of(e);

    assertThat(objects).hasSize(1);
    assertThat(objects.get(0).key()).isEqualTo("runs/p/2026/12/01/r1/attempts/t/1.json");
    AttemptRecord read = HistoryRecords.JSON.readValue(objects.get(0).body(), AttemptRecord.class);
    assertThat(read).isEqualTo(new AttemptRecord(1, "r1", "t", 1, "process", "p1", "123", "FAILED", true, ACCEPTED + 1,
        ACCEPTED + 2, 3, "EXIT_CODE", "exit code 3", "boom", null, List.of("in"), List.of("out")));
  }

  @Test
  void shouldGiveTheSameBytesForTheSameEvent() {
    RunEvent e = event(RunEventKind.RUN_FINISHED).setRunStatus(RunStatus.SUCCEEDED)
        .setParams(Map.of("b", "2", "a", "1")).setCounts(Map.of("SUCCEEDED", 2, "SKIPPED", 1)).setTaskCount(3)
        .setSpecHash("ab").setRequester("me").setFinishedAtMs(ACCEPTED + 9).build();

    byte[] first = HistoryRecords.of(e).get(0).body();
    byte[] again = HistoryRecords.of(RunEvent.newBuilder(e).build()).get(0).body();

    assertThat(again).isEqualTo(first);
    assertThat(new String(first, StandardCharsets.UTF_8)).contains("\"params\":{\"a\":\"1\",\"b\":\"2\"}")
        .contains("\"status\":\"SUCCEEDED\"").contains("\"specHash\":\"ab\"");
  }

  @Test
  void shouldFileARejectionApartFromTheRunAndPointToIt() {
    RunEvent e = event(RunEventKind.RUN_REJECTED).setPipeline("").setReason("bad").setRunStatus(RunStatus.REJECTED)
        .build();

    assertThat(HistoryRecords.of(e)).extracting(HistoryRecords.HistoryObject::key).containsExactly(
        "runs/_unnamed/2026/12/01/r1/rejected-" + ACCEPTED + ".json", "ids/r1/_unnamed/2026/12/01.json");
  }

  @Test
  void shouldMakeNothingOfEventsHistoryDoesNotKeep() {
    assertThat(HistoryRecords.of(event(RunEventKind.ATTEMPT_STARTED).setTaskId("t").build())).isEmpty();
    assertThat(HistoryRecords.of(event(RunEventKind.UNKNOWN).build())).isEmpty();
    assertThat(HistoryRecords.of(event(RunEventKind.RUN_ACCEPTED).setExisting(true).build())).isEmpty();
    assertThat(HistoryRecords.of(event(RunEventKind.TASK_FINISHED).setTaskId("t").setRunAcceptedAtMs(0).build()))
        .as("an older coordinator's event cannot be placed by day").isEmpty();
  }
}
