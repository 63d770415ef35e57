package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.FailureKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskCommand;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Reruns: the RERUN request reaches the coordinator that holds the old run (it is keyed by it), which sends the new
 * run's SUBMIT with the old spec, params and the tasks carried over; the new run runs only the rest.
 */
class RerunTest {
  /** a -> b, a -> c, (b, c) -> d. */
  static final String DIAMOND = CoordinatorTopologyTest.DIAMOND;

  @Test
  void shouldRunAgainOnlyWhatDidNotSucceedWithFailed() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      failB(h, "r1");
      h.rerun("r1", "r2", true, List.of(), List.of());

      assertThat(h.run("r2").getRerunOf()).isEqualTo("r1");
      assertThat(h.task("r2", "a").getStatus()).isEqualTo("SKIPPED");
      assertThat(h.task("r2", "a").getLastReason()).isEqualTo("carried over from run r1");
      assertThat(h.task("r2", "c").getStatus()).isEqualTo("SKIPPED");
      List<TaskCommand> runs = h.drainRuns();
      assertThat(runs).extracting(TaskCommand::getTaskId).containsExactly("b");
      h.succeed(runs.get(0));
      TaskCommand d = single(h.drainRuns(), "d");
      h.succeed(d);
      assertThat(h.run("r2").getStatus()).isEqualTo("SUCCEEDED");
      assertThat(h.run("r2").getCounts()).isEqualTo(Map.of("SKIPPED", 2, "SUCCEEDED", 2));
      RunEvent accepted = h.drainRunEvents().stream()
          .filter(e -> e.getKind() == RunEventKind.RUN_ACCEPTED && e.getRunId().equals("r2")).findFirst().orElseThrow();
      assertThat(accepted.getRerunOf()).isEqualTo("r1");
      assertThat(accepted.getParams()).isEqualTo(h.run("r1").getParams());
    }
  }

  @Test
  void shouldRunTheNamedTasksAndEverythingDownstreamWithFrom() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      succeedAll(h, "r1");
      h.rerun("r1", "r2", false, List.of("b"), List.of());
      assertThat(carried(h, "r2")).containsExactly("a", "c");
      TaskCommand b = single(h.drainRuns(), "b");
      h.succeed(b);
      h.succeed(single(h.drainRuns(), "d"));
      assertThat(h.run("r2").getStatus()).isEqualTo("SUCCEEDED");
    }
  }

  @Test
  void shouldRunJustTheNamedTasksWithTask() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      succeedAll(h, "r1");
      h.rerun("r1", "r2", false, List.of(), List.of("c"));
      assertThat(carried(h, "r2")).containsExactly("a", "b", "d");
      List<TaskCommand> runs = h.drainRuns();
      assertThat(runs).extracting(TaskCommand::getTaskId).containsExactly("c");
      h.succeed(runs.get(0));
      assertThat(h.drainRuns()).isEmpty();
      assertThat(h.run("r2").getStatus()).isEqualTo("SUCCEEDED");
    }
  }

  @Test
  void shouldRunEverythingAgainWithoutSelection() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      succeedAll(h, "r1");
      h.rerun("r1", "r2", false, List.of(), List.of());
      assertThat(carried(h, "r2")).isEmpty();
      assertThat(h.drainRuns()).extracting(TaskCommand::getTaskId).containsExactly("a");
    }
  }

  @Test
  void shouldRejectTheNewRunWhenTheOldOneIsNotHeldRunningOrNamesUnknownTasks() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.rerun("gone", "n1", true, List.of(), List.of());
      h.submit("busy", DIAMOND);
      h.rerun("busy", "n2", true, List.of(), List.of());
      succeedAll(h, "r1");
      h.rerun("r1", "n3", false, List.of("nope"), List.of());

      Map<String, String> rejected = h.drainRunEvents().stream().filter(e -> e.getKind() == RunEventKind.RUN_REJECTED)
          .collect(Collectors.toMap(RunEvent::getRunId, RunEvent::getReason));
      assertThat(rejected.get("n1")).contains("does not hold it").contains("weft submit");
      assertThat(rejected.get("n2")).contains("while it is RUNNING");
      assertThat(rejected.get("n3")).contains("--from names no task of the run: 'nope'");
      assertThat(h.run("n1")).isNull();
      assertThat(h.run("n3")).isNull();
      assertThat(h.deadLetters.readRecordsToList()).hasSize(3);
    }
  }

  @Test
  void shouldFoldTheSameLogToTheSameState() throws Exception {
    List<SpecificRecord> log;
    Map<String, String> runs, tasks, timers;
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      failB(h, "r1");
      h.rerun("r1", "r2", true, List.of(), List.of());
      h.succeed(single(h.drainRuns(), "b"));
      h.succeed(single(h.drainRuns(), "d"));
      h.rerun("r2", "r3", false, List.of("c"), List.of());
      log = List.copyOf(h.folded);
      runs = h.dump(CoordinatorTopology.RUNS_STORE);
      tasks = h.dump(CoordinatorTopology.TASKS_STORE);
      timers = h.dump(CoordinatorTopology.TIMERS_STORE);
    }
    assertThat(log).filteredOn(o -> o instanceof RunRequest r && r.getRerunOf() != null).hasSize(2);
    long requests = log.stream().filter(o -> o instanceof RunRequest).count();
    CatchUp catchUp = CatchUp.until(Map.of(CoordinatorHarness.TOPICS.requests() + ":0", requests,
        CoordinatorHarness.TOPICS.taskEvents() + ":0", log.size() - requests));
    try (CoordinatorHarness replay = new CoordinatorHarness(CoordinatorOptions.DEFAULT.withCatchUp(catchUp))) {
      replay.refold(log);
      assertThat(replay.drainCommands()).isEmpty();
      assertThat(replay.dump(CoordinatorTopology.RUNS_STORE)).isEqualTo(runs);
      assertThat(replay.dump(CoordinatorTopology.TASKS_STORE)).isEqualTo(tasks);
      assertThat(replay.dump(CoordinatorTopology.TIMERS_STORE)).isEqualTo(timers);
      assertThat(replay.dump(CoordinatorTopology.RUN_SPECS_STORE)).hasSize(3);
    }
  }

  /** r1: a and c succeed, b fails for good, so d is UPSTREAM_FAILED and the run FAILED. */
  static void failB(CoordinatorHarness h, String runId) throws Exception {
    h.submit(runId, DIAMOND);
    h.succeed(single(h.drainRuns(), "a"));
    List<TaskCommand> next = h.drainRuns();
    h.fail(single(next, "b"), 1, FailureKind.EXIT_CODE);
    h.succeed(single(next, "c"));
    assertThat(h.run(runId).getStatus()).isEqualTo("FAILED");
    assertThat(h.task(runId, "d").getStatus()).isEqualTo("UPSTREAM_FAILED");
  }

  static void succeedAll(CoordinatorHarness h, String runId) throws Exception {
    h.submit(runId, DIAMOND);
    for (int i = 0; i < 3; i++) h.drainRuns().forEach(h::succeed);
    assertThat(h.run(runId).getStatus()).isEqualTo("SUCCEEDED");
  }

  private static List<String> carried(CoordinatorHarness h, String runId) {
    return List.of("a", "b", "c", "d").stream()
        .filter(t -> String.valueOf(h.task(runId, t).getLastReason()).startsWith("carried over")).toList();
  }

  static TaskCommand single(List<TaskCommand> commands, String taskId) {
    return commands.stream().filter(c -> c.getTaskId().equals(taskId)).findFirst().orElseThrow(
        () -> new AssertionError("no command for " + taskId + " in " + commands));
  }
}
