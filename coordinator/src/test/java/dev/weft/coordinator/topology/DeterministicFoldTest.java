package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEventKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeterministicFoldTest {

  @Test
  void shouldRebuildIdenticalStoresAndCommandsFromTheSameLog() throws Exception {
    List<TaskCommand> firstCommands = new ArrayList<>();
    List<Object> log;
    String firstRuns, firstTasks, firstTimers;
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.submit("ok", CoordinatorTopologyTest.DIAMOND);
      h.submit("flaky", """
          pipeline: flaky
          tasks:
            - {id: t, executor: noop, retry: {maxAttempts: 3, backoff: 3s}}
            - {id: u, executor: noop, dependsOn: [t]}
            - {id: lost, executor: noop, heartbeatTimeout: 5s, retry: {maxAttempts: 2, backoff: 1s}}
          """);
      h.submit("cancelled", """
          pipeline: c
          tasks:
            - {id: x, executor: noop}
            - {id: y, executor: noop, dependsOn: [x]}
          """);
      h.submit("bad", "pipeline: bad\ntasks:\n  - {id: a, executor: noop, dependsOn: [a]}\n");
      List<TaskCommand> round = collect(h, firstCommands);
      for (TaskCommand c : round) {
        switch (c.getTaskId()) {
          case "a" -> h.succeed(c);
          case "t" -> h.fail(c, 1, FailureKind.EXIT_CODE);
          case "lost" -> h.pipe(h.event(TaskEventKind.STARTED, c));
          case "x" -> h.pipe(h.event(TaskEventKind.STARTED, c));
          default -> {}
        }
      }
      h.cancel("cancelled", null);
      h.advance(Duration.ofSeconds(6));
      for (int i = 0; i < 6; i++) {
        for (TaskCommand c : collect(h, firstCommands)) {
          if (c.getKind() != dev.weft.avro.CommandKind.RUN) continue;
          if (c.getTaskId().equals("x")) continue;
          h.succeed(c);
        }
        h.advance(Duration.ofSeconds(5));
      }
      h.pipe(h.event(TaskEventKind.CANCELLED, cmd(firstCommands, "x")));
      collect(h, firstCommands);
      assertThat(h.run("ok").getStatus()).isEqualTo("SUCCEEDED");
      assertThat(h.run("flaky").getStatus()).isEqualTo("SUCCEEDED");
      assertThat(h.run("cancelled").getStatus()).isEqualTo("CANCELLED");
      assertThat(h.stats.timersFired()).as("the scenario exercised timers").isGreaterThanOrEqualTo(2);
      log = new ArrayList<>(h.log);
      firstRuns = h.dump(CoordinatorTopology.RUNS_STORE).toString();
      firstTasks = h.dump(CoordinatorTopology.TASKS_STORE).toString();
      firstTimers = h.dump(CoordinatorTopology.TIMERS_STORE).toString();
    }

    // A replay that knows everything was published already rebuilds the same state and publishes nothing.
    long requests = log.stream().filter(o -> o instanceof dev.weft.avro.RunRequest).count();
    long events = log.size() - requests;
    CatchUp catchUp = CatchUp.until(java.util.Map.of(CoordinatorHarness.TOPICS.requests() + ":0", requests,
        CoordinatorHarness.TOPICS.taskEvents() + ":0", events));
    try (CoordinatorHarness replay = new CoordinatorHarness(CoordinatorOptions.DEFAULT.withCatchUp(catchUp))) {
      replay.replay(log);
      assertThat(replay.drainCommands()).isEmpty();
      assertThat(replay.drainRunEvents()).isEmpty();
      assertThat(replay.stats.suppressedCommands()).isEqualTo(firstCommands.size());
      assertThat(replay.dump(CoordinatorTopology.TASKS_STORE).toString()).isEqualTo(firstTasks);
      // Timers stay held until the replay driver says every partition is past its boundary.
      replay.advance(Duration.ofMinutes(5));
      assertThat(replay.stats.timersFired()).isZero();
      catchUp.finish();
      // New input after the boundary is decided and published as usual.
      replay.submit("after-replay", CoordinatorTopologyTest.DIAMOND);
      assertThat(replay.drainCommands()).extracting(TaskCommand::getTaskId).containsExactly("a");
    }

    for (int fold = 0; fold < 2; fold++) {
      try (CoordinatorHarness replay = new CoordinatorHarness()) {
        replay.replay(log);
        List<TaskCommand> again = new ArrayList<>();
        collect(replay, again);
        assertThat(replay.dump(CoordinatorTopology.RUNS_STORE).toString()).isEqualTo(firstRuns);
        assertThat(replay.dump(CoordinatorTopology.TASKS_STORE).toString()).isEqualTo(firstTasks);
        assertThat(replay.dump(CoordinatorTopology.TIMERS_STORE).toString()).isEqualTo(firstTimers);
        assertThat(sorted(again)).isEqualTo(sorted(firstCommands));
      }
    }
  }

  private static List<TaskCommand> collect(CoordinatorHarness h, List<TaskCommand> into) {
    List<TaskCommand> got = h.drainCommands();
    into.addAll(got);
    return got;
  }

  private static TaskCommand cmd(List<TaskCommand> all, String taskId) {
    return all.stream().filter(c -> c.getTaskId().equals(taskId)).findFirst().orElseThrow();
  }

  /** Per executor topic the order is exact; across topics the harness reads topic by topic, so compare as text. */
  private static List<String> sorted(List<TaskCommand> cmds) {
    return cmds.stream().map(Object::toString).sorted().toList();
  }
}
