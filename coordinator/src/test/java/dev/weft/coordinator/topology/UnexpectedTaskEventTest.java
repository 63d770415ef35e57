package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.avro.TaskStatus;
import dev.weft.topics.DeadLetterHeaders;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Task events that no executor could have sent (unknown run, task, or an attempt never dispatched) are dead-lettered
 * once with the reason; a late event from an attempt given up on is only ignored. Neither changes anything.
 */
class UnexpectedTaskEventTest {
  final CoordinatorHarness h = new CoordinatorHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void shouldDeadLetterEventsForUnknownRunsTasksAndAttemptsAndIgnoreStaleOnes() throws Exception {
    h.submit("r1", """
        pipeline: p
        tasks:
          - {id: a, executor: noop, retry: {maxAttempts: 2, backoff: 1s}, heartbeatTimeout: 10s}
        """);
    TaskCommand first = h.drainRuns().get(0);
    h.pipe(h.event(TaskEventKind.STARTED, first));
    h.advance(Duration.ofSeconds(11)); // lost: attempt 2 is dispatched after the backoff
    h.advance(Duration.ofSeconds(2));
    TaskCommand second = h.drainRuns().get(0);
    assertThat(second.getAttempt()).isEqualTo(2);
    h.deadLetters.readRecordsToList();
    String tasksBefore = h.dump(CoordinatorTopology.TASKS_STORE).toString();

    h.pipe(event("ghost-run", "a", 1));
    h.pipe(event("r1", "ghost-task", 1));
    h.pipe(event("r1", "a", 7));
    h.pipe(event("r1", "a", 0));
    h.pipe(h.event(TaskEventKind.SUCCEEDED, first)); // stale: attempt 1 was given up on

    List<TestRecord<byte[], byte[]>> dead = h.deadLetters.readRecordsToList();
    assertThat(dead).extracting(r -> DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.REASON)).satisfiesExactly(
        r -> assertThat(r).contains("unknown run 'ghost-run'"),
        r -> assertThat(r).contains("unknown task 'ghost-task'"),
        r -> assertThat(r).contains("attempt 7").contains("never dispatched"),
        r -> assertThat(r).contains("attempt 0").contains("never dispatched"));
    assertThat(dead).allSatisfy(r ->
        assertThat(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.REPORTER)).isEqualTo("coordinator"));
    assertThat(h.dump(CoordinatorTopology.TASKS_STORE).toString()).isEqualTo(tasksBefore);
    assertThat(h.drainCommands()).isEmpty();

    h.succeed(second);
    assertThat(h.task("r1", "a").getStatus()).isEqualTo(TaskStatus.SUCCEEDED.name());
  }

  private TaskEvent event(String runId, String taskId, int attempt) {
    return TaskEvent.newBuilder().setKind(TaskEventKind.SUCCEEDED).setRunId(runId).setTaskId(taskId)
        .setAttempt(attempt).setAtMs(h.now).setSource("intruder").build();
  }
}
