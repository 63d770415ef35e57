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
import dev.weft.coordinator.api.RunViews;
import dev.weft.coordinator.state.TaskState;
import dev.weft.topics.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CoordinatorTopologyTest {
  static final String DIAMOND = """
      pipeline: diamond
      tasks:
        - {id: a, executor: noop}
        - {id: b, executor: noop, dependsOn: [a]}
        - {id: c, executor: process, process: {argv: [echo, c]}, dependsOn: [a]}
        - {id: d, executor: noop, dependsOn: [b, c]}
      """;

  final CoordinatorHarness h = new CoordinatorHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void shouldDispatchEachTaskOnlyWhenAllItsDependenciesSucceeded() throws Exception {
    h.submit("r1", DIAMOND);
    assertThat(h.drainRunEvents()).extracting(RunEvent::getKind).containsExactly(RunEventKind.RUN_ACCEPTED);
    List<TaskCommand> first = h.drainRuns();
    assertThat(first).extracting(TaskCommand::getTaskId).containsExactly("a");
    assertThat(first.get(0).getAttempt()).isEqualTo(1);

    h.succeed(first.get(0));
    List<TaskCommand> second = h.drainRuns();
    assertThat(second).extracting(TaskCommand::getTaskId).containsExactlyInAnyOrder("b", "c");
    assertThat(second).filteredOn(c -> c.getTaskId().equals("c")).extracting(TaskCommand::getExecutor)
        .containsExactly("process");

    h.succeed(second.stream().filter(c -> c.getTaskId().equals("b")).findFirst().orElseThrow());
    assertThat(h.drainRuns()).as("d still waits for c").isEmpty();
    assertThat(h.unmetDependencies("r1", "d")).isEqualTo(1);

    h.succeed(second.stream().filter(c -> c.getTaskId().equals("c")).findFirst().orElseThrow());
    List<TaskCommand> third = h.drainRuns();
    assertThat(third).extracting(TaskCommand::getTaskId).containsExactly("d");
    h.succeed(third.get(0));

    List<RunEvent> events = h.drainRunEvents();
    RunEvent finished = events.get(events.size() - 1);
    assertThat(finished.getKind()).isEqualTo(RunEventKind.RUN_FINISHED);
    assertThat(finished.getRunStatus()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(finished.getCounts()).isEqualTo(Map.of("SUCCEEDED", 4));
    assertThat(events).filteredOn(e -> e.getKind() == RunEventKind.TASK_FINISHED).hasSize(4);
  }

  @Test
  void shouldShowWhereARunningAttemptsWorkIsAsItsExecutorSays() throws Exception {
    h.submit("r1", """
        pipeline: queued
        tasks:
          - {id: a, executor: batch, batch: {image: x}}
        """);
    TaskCommand a = h.drainRuns().get(0);
    h.pipe(h.event(TaskEventKind.STARTED, a));
    dev.weft.avro.TaskEvent queued = h.event(TaskEventKind.HEARTBEAT, a);
    queued.setPhase("QUEUED");
    h.pipe(queued);
    assertThat(dev.weft.coordinator.api.RunViews.task(h.task("r1", "a")).phase()).isEqualTo("QUEUED");

    h.pipe(h.event(TaskEventKind.HEARTBEAT, a)); // no phase: the last one stands
    assertThat(h.task("r1", "a").getPhase()).isEqualTo("QUEUED");
    dev.weft.avro.TaskEvent running = h.event(TaskEventKind.HEARTBEAT, a);
    running.setPhase("RUNNING");
    h.pipe(running);
    assertThat(dev.weft.coordinator.api.RunViews.task(h.task("r1", "a")).phase()).isEqualTo("RUNNING");

    h.pipe(h.event(TaskEventKind.SUCCEEDED, a));
    assertThat(dev.weft.coordinator.api.RunViews.task(h.task("r1", "a")).phase()).as("only while running").isNull();
  }

  @Test
  void shouldCountADependencyNamedTwiceOnce() throws Exception {
    h.submit("r1", """
        pipeline: twice
        tasks:
          - {id: a, executor: noop}
          - {id: b, executor: noop, dependsOn: [a, a]}
        """);
    assertThat(h.unmetDependencies("r1", "b")).isEqualTo(1);
    assertThat(h.task("r1", "a").getDependants()).containsExactly("b");

    h.succeed(h.drainRuns().get(0));

    assertThat(h.drainRuns()).extracting(TaskCommand::getTaskId).containsExactly("b");
  }

  @Test
  void shouldMarkDependantsUpstreamFailedAndFinishIndependentBranches() throws Exception {
    h.submit("r2", """
        pipeline: branches
        tasks:
          - {id: bad, executor: noop}
          - {id: after-bad, executor: noop, dependsOn: [bad]}
          - {id: after-after, executor: noop, dependsOn: [after-bad]}
          - {id: good, executor: noop}
          - {id: after-good, executor: noop, dependsOn: [good]}
        """);
    List<TaskCommand> roots = h.drainRuns();
    TaskCommand bad = roots.stream().filter(c -> c.getTaskId().equals("bad")).findFirst().orElseThrow();
    TaskCommand good = roots.stream().filter(c -> c.getTaskId().equals("good")).findFirst().orElseThrow();
    h.fail(bad, 3, FailureKind.EXIT_CODE);
    assertThat(h.task("r2", "after-bad").getStatus()).isEqualTo("UPSTREAM_FAILED");
    assertThat(h.task("r2", "after-after").getStatus()).isEqualTo("UPSTREAM_FAILED");
    assertThat(h.run("r2").getStatus()).isEqualTo("RUNNING");

    h.succeed(good);
    h.succeed(h.drainRuns().get(0));
    List<RunEvent> events = h.drainRunEvents();
    RunEvent last = events.get(events.size() - 1);
    assertThat(last.getRunStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(last.getCounts()).isEqualTo(Map.of("FAILED", 1, "UPSTREAM_FAILED", 2, "SUCCEEDED", 2));
    RunEvent badFinished = events.stream()
        .filter(e -> e.getKind() == RunEventKind.TASK_FINISHED && "bad".equals(e.getTaskId())).findFirst().orElseThrow();
    assertThat(badFinished.getExitCode()).isEqualTo(3);
    assertThat(badFinished.getReason()).contains("boom");
    assertThat(badFinished.getLogTail()).contains("boom");
  }

  @Test
  void shouldRejectInvalidRequestsWithReasonsAndKeepServingOthers() throws Exception {
    h.submit("cycle", """
        pipeline: p
        tasks:
          - {id: a, executor: noop, dependsOn: [c]}
          - {id: b, executor: noop, dependsOn: [a]}
          - {id: c, executor: noop, dependsOn: [b]}
        """);
    h.submit("unknown-dep", """
        pipeline: p
        tasks:
          - {id: a, executor: noop, dependsOn: [nope]}
        """);
    h.submit("unknown-executor", """
        pipeline: p
        tasks:
          - {id: a, executor: kubernetes}
        """);
    h.rawRequests.pipeInput(new TestRecord<>("garbage".getBytes(), "this is not avro".getBytes()));
    h.submit("ok", DIAMOND);

    Map<String, RunEvent> byRun = h.drainRunEvents().stream()
        .collect(Collectors.toMap(RunEvent::getRunId, e -> e, (a, b) -> a));
    assertThat(byRun.get("cycle").getKind()).isEqualTo(RunEventKind.RUN_REJECTED);
    assertThat(byRun.get("cycle").getReason()).contains("dependency cycle").containsPattern("a -> .* -> a|b -> .* -> b|c -> .* -> c");
    assertThat(byRun.get("unknown-dep").getReason()).contains("tasks[0](a).dependsOn[0]").contains("unknown task 'nope'");
    assertThat(byRun.get("unknown-executor").getReason()).contains("unknown executor 'kubernetes'");
    assertThat(byRun.get("ok").getKind()).isEqualTo(RunEventKind.RUN_ACCEPTED);
    assertThat(h.drainRuns()).extracting(TaskCommand::getTaskId).containsExactly("a");

    List<TestRecord<byte[], byte[]>> dead = h.deadLetters.readRecordsToList();
    assertThat(dead).hasSize(4);
    List<String> reasons = dead.stream().map(r -> header(r, DeadLetterHeaders.REASON)).toList();
    assertThat(reasons.get(3)).contains("cannot decode");
    assertThat(new String(dead.get(3).value(), StandardCharsets.UTF_8)).isEqualTo("this is not avro");
    assertThat(header(dead.get(0), DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("weft.pipeline-requests");
  }

  @Test
  void shouldRetryWithBackoffAsNewAttemptsThenSucceed() throws Exception {
    h.submit("r3", """
        pipeline: flaky
        tasks:
          - id: t
            executor: noop
            retry: {maxAttempts: 3, backoff: 10s, multiplier: 2, jitter: 0}
        """);
    TaskCommand a1 = h.drainRuns().get(0);
    h.fail(a1, 1, FailureKind.EXIT_CODE);
    assertThat(h.task("r3", "t").getStatus()).isEqualTo("RETRY_WAIT");
    h.advance(Duration.ofSeconds(9));
    assertThat(h.drainRuns()).as("backoff of 10s not over yet").isEmpty();
    h.advance(Duration.ofSeconds(2));
    TaskCommand a2 = h.drainRuns().get(0);
    assertThat(a2.getAttempt()).isEqualTo(2);
    h.fail(a2, 1, FailureKind.EXIT_CODE);
    h.advance(Duration.ofSeconds(19));
    assertThat(h.drainRuns()).as("second backoff is 20s").isEmpty();
    h.advance(Duration.ofSeconds(2));
    TaskCommand a3 = h.drainRuns().get(0);
    assertThat(a3.getAttempt()).isEqualTo(3);
    h.succeed(a3);
    assertThat(h.run("r3").getStatus()).isEqualTo("SUCCEEDED");
    assertThat(h.task("r3", "t").getFailures()).hasSize(2);
  }

  @Test
  void shouldFailTaskThatExhaustsAttemptsAndNeverRetryOom() throws Exception {
    h.submit("r4", """
        pipeline: p
        defaults: {retry: {maxAttempts: 2, backoff: 1s, jitter: 0}}
        tasks:
          - {id: t, executor: noop}
          - {id: after, executor: noop, dependsOn: [t]}
          - {id: oom, executor: noop}
        """);
    List<TaskCommand> roots = h.drainRuns();
    TaskCommand oom = roots.stream().filter(c -> c.getTaskId().equals("oom")).findFirst().orElseThrow();
    h.fail(oom, 137, FailureKind.OOM_KILLED);
    assertThat(h.task("r4", "oom").getStatus()).as("OOM is not retryable").isEqualTo("FAILED");

    TaskCommand t1 = roots.stream().filter(c -> c.getTaskId().equals("t")).findFirst().orElseThrow();
    h.fail(t1, 2, FailureKind.EXIT_CODE);
    h.advance(Duration.ofSeconds(2));
    TaskCommand t2 = h.drainRuns().get(0);
    h.fail(t2, 2, FailureKind.EXIT_CODE);
    assertThat(h.task("r4", "t").getStatus()).isEqualTo("FAILED");
    assertThat(h.task("r4", "after").getStatus()).isEqualTo("UPSTREAM_FAILED");
    assertThat(h.run("r4").getStatus()).isEqualTo("FAILED");
  }

  @Test
  void shouldTimeOutAnAttemptAndCancelIt() throws Exception {
    h.submit("r5", """
        pipeline: p
        tasks:
          - {id: slow, executor: noop, timeout: 5s}
        """);
    TaskCommand c = h.drainRuns().get(0);
    h.pipe(h.event(TaskEventKind.STARTED, c));
    h.advance(Duration.ofSeconds(4));
    h.pipe(h.event(TaskEventKind.HEARTBEAT, c));
    h.advance(Duration.ofSeconds(2));
    List<TaskCommand> cmds = h.drainCommands();
    assertThat(cmds).extracting(TaskCommand::getKind).containsExactly(CommandKind.CANCEL);
    assertThat(h.task("r5", "slow").getStatus()).as("stopping, not over").isEqualTo("RUNNING");
    assertThat(h.run("r5").getStatus()).isEqualTo("RUNNING");

    h.pipe(TaskEvent.newBuilder(h.event(TaskEventKind.CANCELLED, c)).setFailureKind(FailureKind.CANCELLED)
        .setExitCode(143)
        .setReason("cancelled: timed out after 5000 ms").build());
    TaskState slow = h.task("r5", "slow");
    assertThat(slow.getStatus()).as("the executor's CANCELLED for a timeout is a timeout").isEqualTo("TIMED_OUT");
    assertThat(slow.getLastFailureKind()).isEqualTo("TIMED_OUT");
    assertThat(slow.getLastExitCode()).isEqualTo(143);
    assertThat(slow.getLastReason()).contains("timed out after 5000 ms and was stopped");
    assertThat(h.run("r5").getStatus()).isEqualTo("FAILED");
    h.pipe(h.event(TaskEventKind.SUCCEEDED, c));
    assertThat(h.task("r5", "slow").getStatus()).as("a late success does not resurrect it").isEqualTo("TIMED_OUT");
  }

  @Test
  void shouldStartNoRetryOfATimedOutAttemptUntilItsExecutorSaysItStopped() throws Exception {
    h.submit("r5b", """
        pipeline: p
        tasks:
          - {id: stubborn, executor: noop, timeout: 1s, retry: {maxAttempts: 2, backoff: 100ms, jitter: 0}}
        """);
    TaskCommand a1 = h.drainRuns().get(0);
    h.pipe(h.event(TaskEventKind.STARTED, a1));
    h.advance(Duration.ofSeconds(2));
    assertThat(h.drainCommands()).extracting(TaskCommand::getKind).containsExactly(CommandKind.CANCEL);
    // The attempt traps SIGTERM and cleans up: its executor heartbeats while it stops.
    for (int i = 0; i < 4; i++) {
      h.pipe(h.event(TaskEventKind.HEARTBEAT, a1));
      h.advance(Duration.ofSeconds(1));
    }
    assertThat(h.drainCommands()).as("no second attempt while the first one stops").isEmpty();
    assertThat(h.task("r5b", "stubborn").getStatus()).isEqualTo("RUNNING");
    assertThat(RunViews.task(h.task("r5b", "stubborn")).phase()).isEqualTo("STOPPING");

    h.pipe(TaskEvent.newBuilder(h.event(TaskEventKind.FAILED, a1)).setFailureKind(FailureKind.TIMED_OUT).setExitCode(1)
        .setReason("timed out after 1s and was cancelled").setLogTail("cleaned up\n")
        .build());
    TaskState t = h.task("r5b", "stubborn");
    assertThat(t.getStatus()).isEqualTo("RETRY_WAIT");
    assertThat(t.getLastReason()).as("the executor's own reason").startsWith("timed out after 1s and was cancelled");
    assertThat(t.getTimedOutAtMs()).isZero();
    h.advance(Duration.ofMillis(200));
    TaskCommand a2 = h.drainRuns().get(0);
    assertThat(a2.getAttempt()).isEqualTo(2);
    h.succeed(a2);
    assertThat(h.run("r5b").getStatus()).isEqualTo("SUCCEEDED");
    CoordinatorHarness.assertReplaysToTheSameStores(h, CoordinatorOptions.DEFAULT);
  }

  @Test
  void shouldEndATimedOutAttemptWhoseExecutorNeverReportsItStopped() throws Exception {
    h.submit("r5c", """
        pipeline: p
        tasks:
          - {id: stuck, executor: noop, timeout: 1s, heartbeatTimeout: 10s}
        """);
    TaskCommand a1 = h.drainRuns().get(0);
    h.pipe(h.event(TaskEventKind.STARTED, a1));
    h.advance(Duration.ofMillis(1500));
    assertThat(h.drainCommands()).extracting(TaskCommand::getKind).containsExactly(CommandKind.CANCEL);
    // Heartbeats go on, so it is not lost; but nothing says it stopped within a heartbeat timeout of the cancel.
    for (int i = 0; i < 9; i++) {
      h.pipe(h.event(TaskEventKind.HEARTBEAT, a1));
      h.advance(Duration.ofSeconds(1));
    }
    assertThat(h.task("r5c", "stuck").getStatus()).isEqualTo("RUNNING");
    h.pipe(h.event(TaskEventKind.HEARTBEAT, a1));
    h.advance(Duration.ofSeconds(1));
    TaskState t = h.task("r5c", "stuck");
    assertThat(t.getStatus()).isEqualTo("TIMED_OUT");
    assertThat(t.getLastReason()).contains("did not report it stopped");
    assertThat(h.run("r5c").getStatus()).isEqualTo("FAILED");
  }

  @Test
  void shouldCountATimedOutAttemptWhoseExecutorWentSilentWhileStoppingItAsTimedOut() throws Exception {
    h.submit("r5e", """
        pipeline: p
        tasks:
          - {id: orphan, executor: noop, timeout: 1s, heartbeatTimeout: 10s}
        """);
    TaskCommand a1 = h.drainRuns().get(0);
    h.pipe(h.event(TaskEventKind.STARTED, a1));
    h.advance(Duration.ofMillis(1500));
    assertThat(h.drainCommands()).extracting(TaskCommand::getKind).containsExactly(CommandKind.CANCEL);
    h.advance(Duration.ofSeconds(9));
    TaskState t = h.task("r5e", "orphan");
    assertThat(t.getStatus()).isEqualTo("TIMED_OUT");
    assertThat(t.getLastReason()).contains("timed out after 1000 ms, and then no heartbeat");
  }

  @Test
  void shouldKeepASuccessThatCameWhileATimedOutAttemptWasStopping() throws Exception {
    h.submit("r5d", """
        pipeline: p
        tasks:
          - {id: close-call, executor: noop, timeout: 1s}
        """);
    TaskCommand a1 = h.drainRuns().get(0);
    h.pipe(h.event(TaskEventKind.STARTED, a1));
    h.advance(Duration.ofMillis(1500));
    h.drainCommands();
    h.succeed(a1);
    assertThat(h.task("r5d", "close-call").getStatus()).as("it finished before the cancel reached it")
        .isEqualTo("SUCCEEDED");
    assertThat(h.run("r5d").getStatus()).isEqualTo("SUCCEEDED");
  }

  @Test
  void shouldPresumeSilentAttemptLostRetryItAndIgnoreItsLateEvents() throws Exception {
    h.submit("r6", """
        pipeline: p
        tasks:
          - {id: t, executor: noop, heartbeatTimeout: 10s, retry: {maxAttempts: 2, backoff: 1s, jitter: 0}}
        """);
    TaskCommand a1 = h.drainRuns().get(0);
    h.pipe(h.event(TaskEventKind.STARTED, a1));
    h.advance(Duration.ofSeconds(6));
    h.pipe(h.event(TaskEventKind.HEARTBEAT, a1));
    h.advance(Duration.ofSeconds(6));
    assertThat(h.task("r6", "t").getStatus()).as("heartbeat 6s ago keeps it alive").isEqualTo("RUNNING");
    h.advance(Duration.ofSeconds(5));
    assertThat(h.task("r6", "t").getStatus()).isEqualTo("RETRY_WAIT");
    assertThat(h.task("r6", "t").getLastFailureKind()).isEqualTo("LOST");
    h.advance(Duration.ofSeconds(2));
    List<TaskCommand> cmds = h.drainCommands();
    assertThat(cmds).extracting(TaskCommand::getKind).containsExactly(CommandKind.CANCEL, CommandKind.RUN);
    TaskCommand a2 = cmds.get(1);
    assertThat(a2.getAttempt()).isEqualTo(2);

    long ignoredBefore = h.stats.ignoredTotal();
    h.pipe(h.event(TaskEventKind.SUCCEEDED, a1));
    assertThat(h.task("r6", "t").getStatus()).isEqualTo("DISPATCHED");
    assertThat(h.stats.ignoredTotal()).isEqualTo(ignoredBefore + 1);
    h.succeed(a2);
    assertThat(h.run("r6").getStatus()).isEqualTo("SUCCEEDED");
  }

  @Test
  void shouldCancelRunStoppingLiveAttemptsAndEndCancelled() throws Exception {
    h.submit("r7", """
        pipeline: p
        tasks:
          - {id: a, executor: noop}
          - {id: b, executor: noop, dependsOn: [a]}
        """);
    TaskCommand a = h.drainRuns().get(0);
    h.pipe(h.event(TaskEventKind.STARTED, a));
    h.cancel("r7", null);
    assertThat(h.drainCommands()).extracting(TaskCommand::getKind).containsExactly(CommandKind.CANCEL);
    assertThat(h.task("r7", "b").getStatus()).isEqualTo("CANCELLED");
    assertThat(h.run("r7").getStatus()).as("a still runs").isEqualTo("CANCELLING");
    h.pipe(h.event(TaskEventKind.CANCELLED, a));
    assertThat(h.run("r7").getStatus()).isEqualTo("CANCELLED");
  }

  @Test
  void shouldAnswerRepublishedRequestWithTheExistingRun() throws Exception {
    h.submit("r8", DIAMOND, Map.of(), "key-1");
    h.submit("r8", DIAMOND, Map.of(), "key-1");
    h.submit("r8", DIAMOND, Map.of(), "other-key");
    List<RunEvent> events = h.drainRunEvents();
    assertThat(events).extracting(RunEvent::getKind)
        .containsExactly(RunEventKind.RUN_ACCEPTED, RunEventKind.RUN_ACCEPTED, RunEventKind.RUN_REJECTED);
    assertThat(events.get(1).getExisting()).isTrue();
    assertThat(h.drainRuns()).as("one run, one root dispatch").hasSize(1);
  }

  @Test
  void shouldIgnoreDuplicateAndStaleEvents() throws Exception {
    h.submit("r9", DIAMOND);
    TaskCommand a = h.drainRuns().get(0);
    h.succeed(a);
    h.drainRuns();
    h.pipe(h.event(TaskEventKind.SUCCEEDED, a));
    h.pipe(h.event(TaskEventKind.STARTED, a));
    assertThat(h.drainRuns()).isEmpty();
    assertThat(h.unmetDependencies("r9", "b")).isZero();
    assertThat(h.stats.ignoredTotal()).isEqualTo(2);
  }

  private static String header(TestRecord<byte[], byte[]> r, String name) {
    Header hd = r.headers().lastHeader(name);
    return hd == null ? null : new String(hd.value(), StandardCharsets.UTF_8);
  }
}
