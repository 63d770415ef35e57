package dev.weft.coordinator.topology;

import static dev.weft.coordinator.topology.CoordinatorHarness.ids;
import static dev.weft.coordinator.topology.CoordinatorHarness.only;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.CommandKind;
import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.coordinator.state.TaskState;
import dev.weft.spec.SpecLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Dynamic tasks decided in the fold: mapped fan-out ({@code mapOver}) expanded from the mapped-over task's result on
 * its SUCCEEDED event, and tasks spawned by a running attempt (SPAWNED). Every scenario is folded a second time into
 * fresh stores from the same log, and the stores must be equal.
 */
class DynamicTasksTest {
  static final String MAPPED = """
      pipeline: mapped
      tasks:
        - {id: list-files, executor: noop}
        - id: load
          mapOver: {task: list-files}
          executor: process
          process: {argv: ["sh", "-c", "echo ${item} > out/${item}.done"]}
          retry: {maxAttempts: 2, backoff: 1s}
        - {id: report, executor: noop, dependsOn: [load]}
      """;

  static final String SPAWNER = """
      pipeline: spawner
      tasks:
        - {id: plan, executor: noop, retry: {maxAttempts: 2, backoff: 1s}}
        - {id: after, executor: noop, dependsOn: [plan]}
        - {id: last, executor: noop, dependsOn: [after]}
      """;

  @Test
  void shouldRunDependantsAtOnceWhenTheListIsEmpty() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.submit("r0", MAPPED);
      h.succeedWithResult(only(h.drainRuns(), "list-files"), "[]");

      TaskState load = h.task("r0", "load");
      assertThat(load.getStatus()).isEqualTo("SUCCEEDED");
      assertThat(load.getInstances()).isZero();
      TaskCommand report = only(h.drainRuns(), "report");
      assertThat(h.run("r0").getTaskCount()).isEqualTo(3);
      h.succeed(report);
      assertThat(h.run("r0").getStatus()).isEqualTo("SUCCEEDED");
      assertReplaysToTheSameStores(h);
    }
  }

  @Test
  void shouldRunOneInstanceWithItsItemAndThenTheDependants() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.submit("r1", MAPPED);
      h.succeedWithResult(only(h.drainRuns(), "list-files"), "[\"a.csv\"]");

      TaskCommand instance = only(h.drainRuns(), "load[0]");
      assertThat(instance.getTaskSpecJson()).contains("echo a.csv > out/a.csv.done").doesNotContain("mapOver");
      assertThat(h.task("r1", "load").getStatus()).isEqualTo("RUNNING");
      assertThat(h.task("r1", "load[0]").getMapParent()).isEqualTo("load");
      assertThat(h.task("r1", "report").getStatus()).isEqualTo("PENDING");

      h.succeed(instance);
      assertThat(h.task("r1", "load").getStatus()).isEqualTo("SUCCEEDED");
      h.succeed(only(h.drainRuns(), "report"));
      assertThat(h.run("r1").getStatus()).isEqualTo("SUCCEEDED");
      assertThat(h.run("r1").getTaskCount()).isEqualTo(4);
      assertThat(h.run("r1").getCounts()).containsEntry("SUCCEEDED", 4);
      assertReplaysToTheSameStores(h);
    }
  }

  @Test
  void shouldFanOutAThousandInstancesAndWaitForEveryOne() throws Exception {
    String yaml = """
        pipeline: wide
        tasks:
          - {id: list-files, executor: noop}
          - id: load
            mapOver: {task: list-files}
            executor: process
            process: {argv: ["load", "${item.name}", "${item.size}", "${date}", "$${item}"]}
          - {id: report, executor: noop, dependsOn: [load]}
        """;
    String items = IntStream.range(0, 1000).mapToObj(i -> "{\"name\":\"f" + i + "\",\"size\":" + i + "}")
        .collect(Collectors.joining(",", "[", "]"));
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.submit("wide", yaml, Map.of("date", "2026-12-01"), null);
      h.succeedWithResult(only(h.drainRuns(), "list-files"), items);

      List<TaskCommand> instances = h.drainRuns();
      assertThat(instances).hasSize(1000);
      Map<String, TaskCommand> byId = instances.stream().collect(Collectors.toMap(TaskCommand::getTaskId,
          Function.identity()));
      assertThat(byId.get("load[737]").getTaskSpecJson())
          .contains("[\"load\",\"f737\",\"737\",\"2026-12-01\",\"${item}\"]");
      assertThat(h.run("wide").getTaskCount()).isEqualTo(1003);
      for (int i = 0; i < 999; i++) h.succeed(byId.get("load[" + i + "]"));
      assertThat(h.drainRuns()).as("report waits for the last instance").isEmpty();
      assertThat(h.task("wide", "load").getInstancesEnded()).isEqualTo(999);
      h.succeed(byId.get("load[999]"));
      h.succeed(only(h.drainRuns(), "report"));
      assertThat(h.run("wide").getStatus()).isEqualTo("SUCCEEDED");
      assertReplaysToTheSameStores(h);
    }
  }

  @Test
  void shouldFailTheMappedTaskNamingTheInstancesThatFailed() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.submit("rf", MAPPED);
      h.succeedWithResult(only(h.drainRuns(), "list-files"), "[\"a\", \"b\", \"c\"]");
      List<TaskCommand> instances = h.drainRuns();
      h.succeed(instances.get(0));
      h.fail(instances.get(1), 3, FailureKind.EXIT_CODE);
      h.succeed(instances.get(2));
      h.advance(Duration.ofSeconds(2));
      h.fail(only(h.drainRuns(), "load[1]"), 3, FailureKind.EXIT_CODE); // its last attempt

      TaskState load = h.task("rf", "load");
      assertThat(load.getStatus()).isEqualTo("FAILED");
      assertThat(load.getLastReason()).isEqualTo("1 of 3 instances did not succeed: load[1] FAILED");
      assertThat(h.task("rf", "report").getStatus()).isEqualTo("UPSTREAM_FAILED");
      assertThat(h.run("rf").getStatus()).isEqualTo("FAILED");
      assertReplaysToTheSameStores(h);
    }
  }

  @Test
  void shouldFailTheMappedTaskWhenTheResultIsNoArrayOrOverTheTaskLimit() throws Exception {
    CoordinatorOptions small = new CoordinatorOptions(100, 10_000, new SpecLimits(SpecLimits.DEFAULT.maxSpecBytes(), 5),
        CatchUp.NONE, CoordinatorOptions.DEFAULT.deciders(), CoordinatorOptions.DEFAULT.retainFinished());
    try (CoordinatorHarness h = new CoordinatorHarness(small)) {
      h.submit("obj", MAPPED);
      h.succeedWithResult(only(h.drainRuns(), "list-files"), "{\"files\": []}");
      assertThat(h.task("obj", "load").getStatus()).isEqualTo("FAILED");
      assertThat(h.task("obj", "load").getLastReason()).contains("is an object, not a JSON array");
      assertThat(h.task("obj", "report").getStatus()).isEqualTo("UPSTREAM_FAILED");

      h.submit("none", MAPPED);
      h.succeed(only(h.drainRuns(), "list-files"));
      assertThat(h.task("none", "load").getLastReason()).contains("succeeded without writing a result");

      h.submit("big", MAPPED);
      h.succeedWithResult(only(h.drainRuns(), "list-files"), "[1, 2, 3]");
      assertThat(h.task("big", "load").getStatus()).isEqualTo("FAILED");
      assertThat(h.task("big", "load").getLastReason())
          .contains("3 items in the result of task 'list-files' would take the run over its task limit (2 more");
      assertThat(h.run("big").getStatus()).isEqualTo("FAILED");
      assertThat(h.drainRuns()).isEmpty();
      assertReplaysToTheSameStores(h, small);
    }
  }

  @Test
  void shouldRunSpawnedTasksBeforeTheSpawnersDependants() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.submit("sp", SPAWNER);
      TaskCommand plan = only(h.drainRuns(), "plan");
      h.pipe(h.event(TaskEventKind.STARTED, plan));
      h.pipe(spawned(h, plan, """
          {"tasks": [
            {"id": "s1", "executor": "noop"},
            {"id": "s2", "executor": "noop", "dependsOn": ["s1", "plan"]}]}"""));
      h.pipe(h.event(TaskEventKind.SUCCEEDED, plan));

      assertThat(h.task("sp", "s1").getSpawnedBy()).isEqualTo("plan");
      assertThat(h.unmetDependencies("sp", "after")).as("after waits for s2 (which waits for s1)").isEqualTo(1);
      assertThat(h.task("sp", "after").getDependsOn()).containsExactly("plan", "s2");
      assertThat(h.run("sp").getTaskCount()).isEqualTo(5);
      h.succeed(only(h.drainRuns(), "s1"));
      h.succeed(only(h.drainRuns(), "s2"));
      h.succeed(only(h.drainRuns(), "after"));
      h.succeed(only(h.drainRuns(), "last"));
      assertThat(h.run("sp").getStatus()).isEqualTo("SUCCEEDED");
      assertThat(h.run("sp").getCounts()).containsEntry("SUCCEEDED", 5);
      assertReplaysToTheSameStores(h);
    }
  }

  @Test
  void shouldFailTheSpawningAttemptWithLocatedReasonsForAnInvalidFragment() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.submit("bad", SPAWNER);
      TaskCommand plan = only(h.drainRuns(), "plan");
      h.pipe(h.event(TaskEventKind.STARTED, plan));
      h.pipe(spawned(h, plan, """
          [{"id": "x", "executor": "noop", "dependsOn": ["nowhere"]},
           {"id": "y", "executor": "teleport"},
           {"id": "after", "executor": "noop"}]"""));
      h.pipe(h.event(TaskEventKind.SUCCEEDED, plan));

      TaskState t = h.task("bad", "plan");
      assertThat(t.getStatus()).isEqualTo("FAILED");
      assertThat(t.getLastFailureKind()).isEqualTo("INVALID_SPEC");
      assertThat(t.getLastReason())
          .contains("spawned.tasks[0](x).dependsOn[0]: unknown task 'nowhere'")
          .contains("spawned.tasks[1](y).executor: unknown executor 'teleport'");
      assertThat(h.task("bad", "x")).isNull();
      assertThat(h.task("bad", "after").getStatus()).isEqualTo("UPSTREAM_FAILED");
      assertThat(h.run("bad").getStatus()).isEqualTo("FAILED");

      h.submit("dup", SPAWNER);
      TaskCommand plan2 = only(h.drainRuns(), "plan");
      h.pipe(h.event(TaskEventKind.STARTED, plan2));
      h.pipe(spawned(h, plan2, "[{\"id\": \"after\", \"executor\": \"noop\", \"timeout\": \"1m\"}]"));
      assertThat(h.task("dup", "plan").getLastReason())
          .contains("spawned.tasks[0](after).id: task 'after' is already in the run with a different spec");
      assertReplaysToTheSameStores(h);
    }
  }

  @Test
  void shouldRejectACycleInTheFragmentAndOneThroughTheSpawner() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.submit("c1", SPAWNER);
      TaskCommand plan = only(h.drainRuns(), "plan");
      h.pipe(h.event(TaskEventKind.STARTED, plan));
      h.pipe(spawned(h, plan, """
          [{"id": "a", "executor": "noop", "dependsOn": ["b"]},
           {"id": "b", "executor": "noop", "dependsOn": ["a"]}]"""));
      assertThat(h.task("c1", "plan").getLastReason()).contains("dependency cycle: ");
      assertThat(h.task("c1", "a")).isNull();

      h.submit("c2", SPAWNER);
      TaskCommand plan2 = only(h.drainRuns(), "plan");
      h.pipe(h.event(TaskEventKind.STARTED, plan2));
      h.pipe(spawned(h, plan2, "[{\"id\": \"s\", \"executor\": \"noop\", \"dependsOn\": [\"last\"]}]"));
      assertThat(h.task("c2", "plan").getStatus()).isEqualTo("FAILED");
      assertThat(h.task("c2", "plan").getLastReason()).contains("spawned.tasks[0](s).dependsOn: dependency cycle");
      assertThat(h.task("c2", "s")).isNull();
      assertReplaysToTheSameStores(h);
    }
  }

  @Test
  void shouldNotDuplicateTasksARetriedSpawnerSpawnsAgain() throws Exception {
    String fragment = "[{\"id\": \"s\", \"executor\": \"noop\"}]";
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.submit("re", SPAWNER);
      TaskCommand first = only(h.drainRuns(), "plan");
      h.pipe(h.event(TaskEventKind.STARTED, first));
      h.pipe(spawned(h, first, fragment));
      TaskEvent failed = h.event(TaskEventKind.FAILED, first);
      failed.setExitCode(1);
      failed.setFailureKind(FailureKind.EXIT_CODE);
      h.pipe(failed);
      TaskCommand s = only(h.drainRuns(), "s");
      h.advance(Duration.ofSeconds(2));

      TaskCommand second = only(h.drainRuns(), "plan");
      assertThat(second.getAttempt()).isEqualTo(2);
      h.pipe(h.event(TaskEventKind.STARTED, second));
      h.pipe(spawned(h, second, fragment));
      h.pipe(h.event(TaskEventKind.SUCCEEDED, second));
      assertThat(h.drainRuns()).as("s is not spawned twice").isEmpty();
      assertThat(h.run("re").getTaskCount()).isEqualTo(4);
      assertThat(h.unmetDependencies("re", "after")).isEqualTo(1);
      assertThat(h.task("re", "s").getDependants()).containsExactly("after");

      h.succeed(s);
      h.succeed(only(h.drainRuns(), "after"));
      h.succeed(only(h.drainRuns(), "last"));
      assertThat(h.run("re").getStatus()).isEqualTo("SUCCEEDED");
      assertReplaysToTheSameStores(h);
    }
  }

  @Test
  void shouldCancelAMappedTaskWithItsInstances() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.submit("cx", MAPPED);
      h.succeedWithResult(only(h.drainRuns(), "list-files"), "[1, 2]");
      List<TaskCommand> instances = h.drainRuns();
      h.pipe(h.event(TaskEventKind.STARTED, instances.get(0)));
      h.cancel("cx", null);
      assertThat(h.drainCommands()).extracting(TaskCommand::getKind, TaskCommand::getTaskId)
          .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(CommandKind.CANCEL, "load[0]"),
              org.assertj.core.groups.Tuple.tuple(CommandKind.CANCEL, "load[1]"));
      assertThat(h.task("cx", "load").getStatus()).isEqualTo("RUNNING");
      h.pipe(h.event(TaskEventKind.CANCELLED, instances.get(0)));
      assertThat(h.task("cx", "load").getStatus()).isEqualTo("CANCELLED");
      assertThat(h.run("cx").getStatus()).isEqualTo("CANCELLED");
      assertReplaysToTheSameStores(h);
    }
  }

  private static void assertReplaysToTheSameStores(CoordinatorHarness first) {
    assertReplaysToTheSameStores(first, CoordinatorOptions.DEFAULT);
  }

  private static void assertReplaysToTheSameStores(CoordinatorHarness first, CoordinatorOptions options) {
    CoordinatorHarness.assertReplaysToTheSameStores(first, options);
  }

  private static TaskEvent spawned(CoordinatorHarness h, TaskCommand c, String json) {
    TaskEvent e = h.event(TaskEventKind.SPAWNED, c);
    e.setSpawnedJson(json);
    return e;
  }
}
