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
    assertThat(h.run("r1").getQueueTimers().get("process").getDueAtMs()).as("the group's timer, set again from a's start")
        .isEqualTo(h.task("r1", "a").getStartedAtMs() + 10_000);
    assertThat(h.task("r1", "elsewhere").getStatus()).as("no batch task of the run started: its group is missing")
        .isEqualTo("FAILED");

    h.advance(Duration.ofSeconds(4));
    h.succeed(byId(runs, "b"));
    h.advance(Duration.ofSeconds(4));
    assertThat(h.task("r1", "c").getStatus()).as("extended again: b started at 15 s").isEqualTo("DISPATCHED");
    h.advance(Duration.ofSeconds(10));
    assertThat(h.task("r1", "c").getStatus()).as("nothing started for 10 s: the group stopped").isEqualTo("FAILED");
    assertThat(h.task("r1", "c").getLastFailureKind()).isEqualTo(FailureKind.QUEUE_TIMED_OUT.name());
    assertThat(h.dump(CoordinatorTopology.TIMERS_STORE).keySet()).noneMatch(k -> k.contains("QUEUE_"));
    CoordinatorHarness.assertReplaysToTheSameStores(h, CoordinatorOptions.DEFAULT);
  }

  @Test
  void shouldKeepOneQueueTimerARunAndGroupNotOneATask() throws Exception {
    // Timers a task were two changelog records a task (set at dispatch, deleted at the start): the most costly
    // records beside a command. The group's timer is set at the run's first dispatch to it, and stays.
    h.submit("r1", """
        pipeline: one-timer
        defaults: {queueTimeout: 10m, heartbeatTimeout: 1h}
        tasks:
          - {id: a, executor: noop}
          - {id: b, executor: noop}
          - {id: c, executor: noop}
          - {id: d, executor: noop, dependsOn: [a, b, c]}
          - {id: e, executor: noop, dependsOn: [d]}
          - {id: f, executor: process, process: {argv: ["true"]}, dependsOn: [d]}
        """);
    List<TaskCommand> roots = h.drainRuns();
    assertThat(queueTimers()).as("one for the noop group, whose three tasks wait").hasSize(1);
    String set = queueTimers().get(0);
    for (TaskCommand c : roots) {
      h.advance(Duration.ofSeconds(1));
      h.succeed(c);
      assertThat(queueTimers()).as("starting a task leaves it").containsExactly(set);
    }
    TaskCommand d = CoordinatorHarness.only(h.drainRuns(), "d");
    h.advance(Duration.ofSeconds(1));
    h.succeed(d);
    List<TaskCommand> last = h.drainRuns();
    assertThat(queueTimers()).as("the noop group's, as it was, and the process group's").hasSize(2).contains(set);
    last.forEach(h::succeed);
    assertThat(h.run("r1").getStatus()).isEqualTo("SUCCEEDED");
    assertThat(queueTimers()).as("a run's timers go when it ends").isEmpty();
    assertThat(h.run("r1").getQueueTimers()).isEmpty();
    CoordinatorHarness.assertReplaysToTheSameStores(h, CoordinatorOptions.DEFAULT);
  }

  @Test
  void shouldTimeOutEachTaskAfterItsOwnQueueTimeoutWhenItsGroupStartsNothing() throws Exception {
    // Three tasks wait on one group that never starts anything: one with a long timeout, one with a short one,
    // dispatched after it, and one dispatched 5 s later (its dependency ran elsewhere).
    h.submit("r1", """
        pipeline: stalled
        defaults: {heartbeatTimeout: 1h}
        tasks:
          - {id: patient, executor: batch, batch: {image: x}, queueTimeout: 1h}
          - {id: hasty, executor: batch, batch: {image: x}, queueTimeout: 10s}
          - {id: first, executor: noop}
          - {id: later, executor: batch, batch: {image: x}, queueTimeout: 10s, dependsOn: [first]}
        """);
    List<TaskCommand> runs = h.drainRuns();
    assertThat(h.run("r1").getQueueTimers().get("batch").getDueAtMs()).as("brought forward by the shorter timeout")
        .isEqualTo(h.task("r1", "hasty").getDispatchedAtMs() + 10_000);
    h.advance(Duration.ofSeconds(5));
    h.succeed(byId(runs, "first"));
    CoordinatorHarness.only(h.drainRuns(), "later");

    h.advance(Duration.ofSeconds(6));
    assertThat(h.task("r1", "hasty").getStatus()).isEqualTo("FAILED");
    assertThat(h.task("r1", "hasty").getLastFailureKind()).isEqualTo(FailureKind.QUEUE_TIMED_OUT.name());
    assertThat(h.task("r1", "later").getStatus()).as("dispatched 5 s after hasty").isEqualTo("DISPATCHED");
    assertThat(h.task("r1", "patient").getStatus()).isEqualTo("DISPATCHED");
    assertThat(h.run("r1").getQueueTimers().get("batch").getDueAtMs()).isEqualTo(h.task("r1", "later").getQueueTimeoutAtMs());
    assertThat(h.drainCommands()).extracting(TaskCommand::getKind, TaskCommand::getTaskId)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(CommandKind.CANCEL, "hasty"));

    h.advance(Duration.ofSeconds(5));
    assertThat(h.task("r1", "later").getStatus()).isEqualTo("FAILED");
    assertThat(h.task("r1", "patient").getStatus()).isEqualTo("DISPATCHED");
    h.advance(Duration.ofMinutes(59).plusSeconds(30));
    assertThat(h.task("r1", "patient").getStatus()).as("59m46s after its dispatch").isEqualTo("DISPATCHED");
    h.advance(Duration.ofSeconds(15));
    assertThat(h.task("r1", "patient").getStatus()).isEqualTo("FAILED");
    assertThat(h.run("r1").getStatus()).isEqualTo("FAILED");
    assertThat(queueTimers()).isEmpty();
    CoordinatorHarness.assertReplaysToTheSameStores(h, CoordinatorOptions.DEFAULT);
  }

  @Test
  void shouldStillDecideAQueueTimeoutTimerOfOneTaskThatAnEarlierCoordinatorSet() throws Exception {
    // Before 2026-12-04 the coordinator set a timer a task; one left in a store fires QUEUE_TIMED_OUT for its task.
    h.submit("r1", """
        pipeline: upgraded
        tasks:
          - {id: a, executor: batch, batch: {image: x}, queueTimeout: 10s}
          - {id: b, executor: batch, batch: {image: x}, queueTimeout: 10s}
        """);
    List<TaskCommand> runs = h.drainRuns();
    h.advance(Duration.ofSeconds(4));
    h.pipe(h.event(TaskEventKind.STARTED, byId(runs, "b")));
    TaskEvent old = h.event(TaskEventKind.QUEUE_TIMED_OUT, byId(runs, "a"));
    old.setAtMs(h.task("r1", "a").getQueueTimeoutAtMs());
    old.setSource("coordinator");
    h.pipe(old);
    assertThat(h.task("r1", "a").getStatus()).as("b started 6 s before: the queue moves").isEqualTo("DISPATCHED");
    assertThat(h.run("r1").getQueueTimers().get("batch").getDueAtMs()).as("the group's timer covers it")
        .isLessThanOrEqualTo(h.task("r1", "b").getStartedAtMs() + 10_000);
    old.setAtMs(h.task("r1", "b").getStartedAtMs() + 10_000);
    h.pipe(old);
    assertThat(h.task("r1", "a").getStatus()).isEqualTo("FAILED");
    assertThat(h.task("r1", "a").getLastFailureKind()).isEqualTo(FailureKind.QUEUE_TIMED_OUT.name());
  }

  /** The timers store's queue timers, one a run and executor group. */
  private List<String> queueTimers() {
    return h.dump(CoordinatorTopology.TIMERS_STORE).keySet().stream().filter(k -> k.contains("QUEUE_")).toList();
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
