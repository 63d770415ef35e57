package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.weft.avro.FailureKind;
import dev.weft.avro.RequestKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunRequest;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every attempt is visible on run-events (ATTEMPT_STARTED, ATTEMPT_ENDED), with what it read and wrote, and the run's
 * events carry what history keeps (params, requester, spec hash, acceptance time): the completion sink and lineage
 * read nothing else.
 */
class AttemptRunEventsTest {
  static final String FLAKY_THEN_REPORT = """
      pipeline: flaky
      params: {date: "2026-12-01"}
      tasks:
        - id: extract
          executor: noop
          output: /data/extract-${date}.csv
          retry: {maxAttempts: 2, backoff: 5s, jitter: 0}
        - {id: report, executor: noop, dependsOn: [extract], output: "/data/report-${date}.csv"}
      """;

  final CoordinatorHarness h = new CoordinatorHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void shouldPublishEachAttemptOfARetriedTaskAndTheDependencysOutputAsInput() throws Exception {
    long acceptedAt = h.now;
    h.submit("r1", FLAKY_THEN_REPORT, Map.of("date", "2026-12-02"), null);
    TaskCommand first = h.drainRuns().get(0);
    h.fail(first, 3, FailureKind.EXIT_CODE);
    h.advance(Duration.ofSeconds(6));
    TaskCommand second = h.drainRuns().get(0);
    h.succeed(second);
    h.succeed(h.drainRuns().get(0));

    List<RunEvent> events = h.drainRunEvents();
    assertThat(events).extracting(RunEvent::getKind, RunEvent::getTaskId, RunEvent::getAttempt, RunEvent::getTaskStatus,
        RunEvent::getRetrying).containsExactly(
        tuple(RunEventKind.RUN_ACCEPTED, null, 0, null, false),
        tuple(RunEventKind.ATTEMPT_STARTED, "extract", 1, TaskStatus.RUNNING, false),
        tuple(RunEventKind.ATTEMPT_ENDED, "extract", 1, TaskStatus.FAILED, true),
        tuple(RunEventKind.ATTEMPT_STARTED, "extract", 2, TaskStatus.RUNNING, false),
        tuple(RunEventKind.ATTEMPT_ENDED, "extract", 2, TaskStatus.SUCCEEDED, false),
        tuple(RunEventKind.TASK_FINISHED, "extract", 2, TaskStatus.SUCCEEDED, false),
        tuple(RunEventKind.ATTEMPT_STARTED, "report", 1, TaskStatus.RUNNING, false),
        tuple(RunEventKind.ATTEMPT_ENDED, "report", 1, TaskStatus.SUCCEEDED, false),
        tuple(RunEventKind.TASK_FINISHED, "report", 1, TaskStatus.SUCCEEDED, false),
        tuple(RunEventKind.RUN_FINISHED, null, 0, null, false));

    RunEvent failed = events.get(2);
    assertThat(failed.getExitCode()).isEqualTo(3);
    assertThat(failed.getFailureKind()).isEqualTo(FailureKind.EXIT_CODE);
    assertThat(failed.getReason()).contains("boom");
    assertThat(failed.getLogTail()).contains("boom");
    assertThat(failed.getSource()).isEqualTo("test-executor");
    assertThat(failed.getExecutor()).isEqualTo("noop");
    assertThat(failed.getRunAcceptedAtMs()).isEqualTo(acceptedAt);
    RunEvent succeeded = events.get(4);
    assertThat(succeeded.getFailureKind()).as("the earlier attempt's failure is not this one's").isNull();
    assertThat(succeeded.getReason()).isNull();
    assertThat(succeeded.getStartedAtMs()).isEqualTo(h.now).isEqualTo(succeeded.getFinishedAtMs());
    assertThat(succeeded.getOutputs()).containsExactly("/data/extract-2026-12-02.csv");
    assertThat(succeeded.getInputs()).isEmpty();

    RunEvent reportStarted = events.get(6);
    assertThat(reportStarted.getInputs()).containsExactly("/data/extract-2026-12-02.csv");
    assertThat(reportStarted.getOutputs()).containsExactly("/data/report-2026-12-02.csv");
    assertThat(events.get(8).getInputs()).containsExactly("/data/extract-2026-12-02.csv");

    String hash = sha256(h.lastSpecJson);
    RunEvent accepted = events.get(0);
    assertThat(accepted.getSpecHash()).isEqualTo(hash);
    assertThat(accepted.getParams()).containsEntry("date", "2026-12-02");
    assertThat(accepted.getRequester()).isEqualTo("test");
    RunEvent finished = events.get(9);
    assertThat(finished.getRunStatus()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(finished.getSpecHash()).isEqualTo(hash);
    assertThat(finished.getParams()).isEqualTo(Map.of("date", "2026-12-02"));
    assertThat(finished.getRequester()).isEqualTo("test");
    assertThat(finished.getRunAcceptedAtMs()).isEqualTo(acceptedAt);
    assertThat(h.run("r1").getSpecHash()).isEqualTo(hash);
  }

  @Test
  void shouldEndTheAttemptOfATaskCancelledWhileDispatchedFromItsDispatchTime() throws Exception {
    h.submit("r2", "pipeline: c\ntasks:\n  - {id: t, executor: noop}\n");
    long dispatchedAt = h.now;
    h.drainRuns();
    h.advance(Duration.ofSeconds(1));
    h.cancel("r2", null);

    List<RunEvent> events = h.drainRunEvents();
    assertThat(events).extracting(RunEvent::getKind).containsExactly(RunEventKind.RUN_ACCEPTED,
        RunEventKind.ATTEMPT_ENDED, RunEventKind.TASK_FINISHED, RunEventKind.RUN_FINISHED);
    RunEvent ended = events.get(1);
    assertThat(ended.getTaskStatus()).isEqualTo(TaskStatus.CANCELLED);
    assertThat(ended.getFailureKind()).isEqualTo(FailureKind.CANCELLED);
    assertThat(ended.getSource()).as("never started").isNull();
    assertThat(ended.getStartedAtMs()).isEqualTo(dispatchedAt);
    assertThat(ended.getFinishedAtMs()).isEqualTo(h.now);
    assertThat(events.get(3).getRunStatus()).isEqualTo(RunStatus.CANCELLED);
  }

  @Test
  void shouldEndAnAttemptThatTimedOutAndOneThatWasLost() throws Exception {
    h.submit("r3", """
        pipeline: slow
        tasks:
          - {id: slow, executor: noop, timeout: 5s}
          - {id: silent, executor: noop, heartbeatTimeout: 10s, timeout: 1h}
        """);
    List<TaskCommand> runs = h.drainRuns();
    for (TaskCommand c : runs) h.pipe(h.event(dev.weft.avro.TaskEventKind.STARTED, c));
    h.advance(Duration.ofSeconds(11));
    // The timed-out attempt ends when its executor reports it stopped (the coordinator sent it a CANCEL).
    TaskCommand slow = runs.stream().filter(c -> c.getTaskId().equals("slow")).findFirst().orElseThrow();
    h.pipe(h.event(dev.weft.avro.TaskEventKind.CANCELLED, slow));
    h.advance(Duration.ofSeconds(1));

    List<RunEvent> ended = h.drainRunEvents().stream().filter(e -> e.getKind() == RunEventKind.ATTEMPT_ENDED).toList();
    assertThat(ended).extracting(RunEvent::getTaskId, RunEvent::getTaskStatus, RunEvent::getFailureKind)
        .containsExactlyInAnyOrder(tuple("slow", TaskStatus.TIMED_OUT, FailureKind.TIMED_OUT),
            tuple("silent", TaskStatus.FAILED, FailureKind.LOST));
  }

  @Test
  void shouldCarryTheRequestOnARejection() throws Exception {
    String spec = "{\"pipeline\": \"broken\", \"tasks\": [{\"id\": \"a\", \"executor\": \"nope\"}]}";
    h.pipe(RunRequest.newBuilder().setKind(RequestKind.SUBMIT).setRunId("r4").setRequestedAtMs(h.now)
        .setRequester("alice").setSpecJson(spec).setParams(Map.of("date", "2026-12-01")).build());

    RunEvent rejected = h.drainRunEvents().get(0);
    assertThat(rejected.getKind()).isEqualTo(RunEventKind.RUN_REJECTED);
    assertThat(rejected.getPipeline()).isEqualTo("broken");
    assertThat(rejected.getRequester()).isEqualTo("alice");
    assertThat(rejected.getParams()).isEqualTo(Map.of("date", "2026-12-01"));
    assertThat(rejected.getSpecHash()).isEqualTo(sha256(spec));
    assertThat(rejected.getRunAcceptedAtMs()).isEqualTo(h.now);
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
