package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.CommandKind;
import dev.weft.avro.FailureKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.avro.TaskStatus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A task that no executor starts within its queue timeout fails, naming its executor group; one started in time runs on. */
class QueueTimeoutTest {
  final CoordinatorHarness h = new CoordinatorHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void shouldFailATaskNoExecutorStartedWithinItsQueueTimeoutNamingItsGroup() throws Exception {
    h.submit("r1", """
        pipeline: queued
        defaults: {queueTimeout: 2m, retry: {maxAttempts: 3}}
        tasks:
          - {id: waits, executor: batch, batch: {image: x}}
          - {id: after, executor: noop, dependsOn: [waits]}
          - {id: other, executor: noop}
        """);
    List<TaskCommand> runs = h.drainRuns();
    TaskCommand other = runs.stream().filter(c -> c.getTaskId().equals("other")).findFirst().orElseThrow();
    h.succeed(other);
    h.drainRunEvents();

    h.advance(Duration.ofSeconds(119));
    assertThat(h.task("r1", "waits").getStatus()).isEqualTo(TaskStatus.DISPATCHED.name());

    h.advance(Duration.ofSeconds(2));
    assertThat(h.task("r1", "waits").getStatus()).as("not retried: another attempt would wait in the same queue")
        .isEqualTo(TaskStatus.FAILED.name());
    assertThat(h.task("r1", "waits").getLastFailureKind()).isEqualTo(FailureKind.QUEUE_TIMED_OUT.name());
    assertThat(h.task("r1", "waits").getLastReason()).contains("weft-executor-batch").contains("within its queue timeout of 2m")
        .contains("weft executor batch");
    assertThat(h.drainCommands()).extracting(TaskCommand::getKind, TaskCommand::getTaskId)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(CommandKind.CANCEL, "waits"));
    List<RunEvent> events = h.drainRunEvents();
    assertThat(events).filteredOn(e -> e.getKind() == RunEventKind.RUN_FINISHED).extracting(RunEvent::getRunStatus)
        .containsExactly(RunStatus.FAILED);
    assertThat(h.task("r1", "after").getStatus()).isEqualTo(TaskStatus.UPSTREAM_FAILED.name());
  }

  @Test
  void shouldExtendTheQueueTimeoutWhileItsGroupStillStartsTheRunsOtherTasks() throws Exception {
    // A wide run on a slow group: c waits behind a and b in the group's queue, not for a group that is missing.
    h.submit("r1", """
        pipeline: behind
        defaults: {queueTimeout: 10s, heartbeatTimeout: 1h}
        tasks:
          - {id: a, executor: process, process: {argv: ["true"]}}
          - {id: b, executor: process, process: {argv: ["true"]}}
          - {id: c, executor: process, process: {argv: ["true"]}}
          - {id: elsewhere, executor: batch, batch: {image: x}}
        """);
    List<TaskCommand> runs = h.drainRuns();
    h.advance(Duration.ofSeconds(8));
    h.succeed(byId(runs, "a"));
    h.advance(Duration.ofSeconds(3));
    assertThat(h.task("r1", "c").getStatus()).as("a started 3 s ago on the same group").isEqualTo("DISPATCHED");
    assertThat(h.task("r1", "c").getQueueTimeoutAtMs()).isEqualTo(h.task("r1", "a").getStartedAtMs() + 10_000);
    assertThat(h.task("r1", "elsewhere").getStatus()).as("no batch task of the run started: its group is missing")
        .isEqualTo("FAILED");

    h.advance(Duration.ofSeconds(4));
    h.succeed(byId(runs, "b"));
    h.advance(Duration.ofSeconds(4));
    assertThat(h.task("r1", "c").getStatus()).as("extended again: b started at 15 s").isEqualTo("DISPATCHED");
    h.advance(Duration.ofSeconds(10));
    assertThat(h.task("r1", "c").getStatus()).as("nothing started for 10 s: the group stopped").isEqualTo("FAILED");
    assertThat(h.task("r1", "c").getLastFailureKind()).isEqualTo(FailureKind.QUEUE_TIMED_OUT.name());
    assertThat(h.dump(CoordinatorTopology.TIMERS_STORE).keySet()).noneMatch(k -> k.contains("QUEUE_TIMED_OUT"));
    CoordinatorHarness.assertReplaysToTheSameStores(h, CoordinatorOptions.DEFAULT);
  }

  private static TaskCommand byId(List<TaskCommand> commands, String taskId) {
    return commands.stream().filter(c -> c.getTaskId().equals(taskId)).findFirst().orElseThrow();
  }

  @Test
  void shouldNotTimeOutATaskStartedWithinItsQueueTimeout() throws Exception {
    h.submit("r1", """
        pipeline: started
        tasks:
          - {id: a, executor: noop, queueTimeout: 10s, heartbeatTimeout: 1h}
        """);
    TaskCommand a = h.drainRuns().get(0);
    h.advance(Duration.ofSeconds(5));
    h.pipe(h.event(TaskEventKind.STARTED, a));
    h.advance(Duration.ofSeconds(30));
    assertThat(h.log).filteredOn(o -> o instanceof TaskEvent e && e.getKind() == TaskEventKind.QUEUE_TIMED_OUT)
        .isEmpty();
    assertThat(h.task("r1", "a").getStatus()).isEqualTo(TaskStatus.RUNNING.name());
    assertThat(h.dump(CoordinatorTopology.TIMERS_STORE)).as("only the heartbeat timer is left")
        .allSatisfy((k, v) -> assertThat(k).contains("ATTEMPT_LOST"));
  }

  @Test
  void shouldWaitForeverWithAQueueTimeoutOfZero() throws Exception {
    h.submit("r1", """
        pipeline: patient
        tasks:
          - {id: a, executor: noop, queueTimeout: 0s}
        """);
    h.drainRuns();
    h.advance(Duration.ofDays(3));
    assertThat(h.task("r1", "a").getStatus()).isEqualTo(TaskStatus.DISPATCHED.name());
    assertThat(h.dump(CoordinatorTopology.TIMERS_STORE)).isEmpty();
  }

  @Test
  void shouldWaitOneHourByDefault() throws Exception {
    h.submit("r1", """
        pipeline: default
        tasks:
          - {id: a, executor: noop}
        """);
    h.drainRuns();
    h.advance(Duration.ofMinutes(59));
    assertThat(h.task("r1", "a").getStatus()).isEqualTo(TaskStatus.DISPATCHED.name());
    h.advance(Duration.ofMinutes(1).plusSeconds(1));
    assertThat(h.task("r1", "a").getStatus()).isEqualTo(TaskStatus.FAILED.name());
  }
}
