package dev.weft.coordinator.topology;

import static dev.weft.coordinator.topology.CoordinatorHarness.ids;
import static dev.weft.coordinator.topology.CoordinatorHarness.only;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.CommandKind;
import dev.weft.avro.TaskCommand;
import dev.weft.coordinator.state.TaskState;
import dev.weft.spec.SpecLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tasks mapped over a count ({@code mapOver: {count: N}}), on the production topology: their instances are created
 * and dispatched a slice at a time, each slice asking for the next through a MAP_SLICE_DUE timer that the punctuator
 * writes back to the log. Every scenario is folded again into fresh stores and must give the same runs, tasks and
 * timers.
 */
class CountMapTest {
  /** Slices of 10, so that 25 instances take three decisions. */
  private static final CoordinatorOptions SLICES_OF_10 = CoordinatorOptions.DEFAULT.withSliceTasks(10);
  private static final Duration TICK = Duration.ofMillis(CoordinatorOptions.DEFAULT.timerTickMs());

  private static final String COUNTED = """
      pipeline: counted
      params: {date: "2026-12-01"}
      tasks:
        - {id: prepare, executor: noop}
        - id: shard
          mapOver: {count: 25}
          dependsOn: [prepare]
          executor: process
          process: {argv: ["work", "--shard", "${item}", "--of", "25", "--date", "${date}"]}
          retry: {maxAttempts: 2, backoff: 1s}
        - {id: report, executor: noop, dependsOn: [shard]}
      """;

  @Test
  void shouldCreateAndDispatchTheInstancesASliceAtATimeAndEndWithTheLast() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness(SLICES_OF_10)) {
      h.submit("c1", COUNTED, Map.of("date", "2026-12-02"), null);
      assertThat(h.task("c1", "shard").getInstances()).as("nothing is created before the task starts").isNull();
      h.succeed(only(h.drainRuns(), "prepare"));

      List<TaskCommand> first = h.drainRuns();
      assertThat(ids(first)).as("the first slice").containsExactlyElementsOf(range(0, 10));
      assertThat(first.get(7).getTaskSpecJson()).contains("[\"work\",\"--shard\",\"7\",\"--of\",\"25\",\"--date\","
          + "\"2026-12-02\"]").doesNotContain("mapOver");
      TaskState shard = h.task("c1", "shard");
      assertThat(shard.getStatus()).isEqualTo("RUNNING");
      assertThat(shard.getInstances()).isEqualTo(25);
      assertThat(shard.getInstancesCreated()).isEqualTo(10);
      assertThat(h.run("c1").getTaskCount()).isEqualTo(13);
      assertThat(h.dump(CoordinatorTopology.TIMERS_STORE).keySet()).anyMatch(k -> k.contains("MAP_SLICE_DUE|c1/shard#10"));

      h.advance(TICK);
      List<TaskCommand> second = h.drainRuns();
      assertThat(ids(second)).as("the second slice, one tick later").containsExactlyElementsOf(range(10, 20));
      h.advance(TICK);
      List<TaskCommand> third = h.drainRuns();
      assertThat(ids(third)).containsExactlyElementsOf(range(20, 25));
      h.advance(TICK);
      assertThat(h.drainRuns()).as("no slice after the last").isEmpty();
      assertThat(h.task("c1", "shard").getInstancesCreated()).isEqualTo(25);
      assertThat(h.dump(CoordinatorTopology.TIMERS_STORE).keySet()).noneMatch(k -> k.contains("MAP_SLICE_DUE"));

      List<TaskCommand> all = new ArrayList<>(first);
      all.addAll(second);
      all.addAll(third);
      h.drainRunEvents();
      for (TaskCommand c : all.subList(0, 24)) h.succeed(c);
      // Each task's end tells a follower the run's size so far, instances included: "[24/28]", not "[24/3]".
      assertThat(h.drainRunEvents()).filteredOn(e -> e.getKind() == dev.weft.avro.RunEventKind.TASK_FINISHED)
          .hasSize(24).allSatisfy(e -> assertThat(e.getTaskCount()).isEqualTo(28));
      assertThat(h.drainRuns()).as("report waits for the last instance").isEmpty();
      h.succeed(all.get(24));
      assertThat(h.task("c1", "shard").getStatus()).isEqualTo("SUCCEEDED");
      h.succeed(only(h.drainRuns(), "report"));
      assertThat(h.run("c1").getStatus()).isEqualTo("SUCCEEDED");
      assertThat(h.run("c1").getTaskCount()).isEqualTo(28);
      CoordinatorHarness.assertReplaysToTheSameStores(h, SLICES_OF_10);
    }
  }

  @Test
  void shouldSucceedAtOnceWithACountOfZero() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness(SLICES_OF_10)) {
      h.submit("c0", COUNTED.replace("count: 25", "count: 0"));
      h.succeed(only(h.drainRuns(), "prepare"));
      assertThat(h.task("c0", "shard").getStatus()).isEqualTo("SUCCEEDED");
      h.succeed(only(h.drainRuns(), "report"));
      assertThat(h.run("c0").getStatus()).isEqualTo("SUCCEEDED");
      CoordinatorHarness.assertReplaysToTheSameStores(h, SLICES_OF_10);
    }
  }

  @Test
  void shouldStopCreatingSlicesWhenTheRunIsCancelledAndEndCancelledWithTheInstancesCreated() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness(SLICES_OF_10)) {
      h.submit("cx", COUNTED);
      h.succeed(only(h.drainRuns(), "prepare"));
      List<TaskCommand> first = h.drainRuns();
      h.pipe(h.event(dev.weft.avro.TaskEventKind.STARTED, first.get(3)));
      h.succeed(first.get(4));

      h.cancel("cx", null);
      assertThat(h.drainCommands()).as("a Cancel for each instance still out at an executor")
          .allMatch(c -> c.getKind() == CommandKind.CANCEL).hasSize(9);
      TaskState shard = h.task("cx", "shard");
      assertThat(shard.getInstances()).as("truncated to the instances created").isEqualTo(10);
      assertThat(shard.getStatus()).as("one instance still runs").isEqualTo("RUNNING");

      h.advance(TICK);
      assertThat(h.drainRuns()).as("the pending slice is not created").isEmpty();
      assertThat(h.dump(CoordinatorTopology.TIMERS_STORE).keySet()).noneMatch(k -> k.contains("MAP_SLICE_DUE"));

      h.pipe(h.event(dev.weft.avro.TaskEventKind.CANCELLED, first.get(3)));
      assertThat(h.task("cx", "shard").getStatus()).isEqualTo("CANCELLED");
      assertThat(h.task("cx", "shard").getLastReason()).isEqualTo("cancelled after 10 of 25 instances were created");
      assertThat(h.task("cx", "report").getStatus()).isEqualTo("CANCELLED");
      assertThat(h.run("cx").getStatus()).isEqualTo("CANCELLED");
      assertThat(h.run("cx").getTaskCount()).isEqualTo(13);
      CoordinatorHarness.assertReplaysToTheSameStores(h, SLICES_OF_10);
    }
  }

  @Test
  void shouldEndCancelledAtOnceWhenEveryCreatedInstanceHadEnded() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness(SLICES_OF_10)) {
      h.submit("cy", COUNTED);
      h.succeed(only(h.drainRuns(), "prepare"));
      for (TaskCommand c : h.drainRuns()) h.succeed(c);
      assertThat(h.task("cy", "shard").getStatus()).isEqualTo("RUNNING");

      h.cancel("cy", "shard");
      assertThat(h.task("cy", "shard").getStatus()).as("all 10 created instances had succeeded").isEqualTo("CANCELLED");
      assertThat(h.task("cy", "report").getStatus()).isEqualTo("CANCELLED");
      assertThat(h.run("cy").getStatus()).isEqualTo("CANCELLED");
      h.advance(TICK);
      assertThat(h.drainRuns()).isEmpty();
      CoordinatorHarness.assertReplaysToTheSameStores(h, SLICES_OF_10);
    }
  }

  @Test
  void shouldFailTheMappedTaskWhenTheRunHasNoRoomOrTheTemplateNamesAField() throws Exception {
    CoordinatorOptions small = SLICES_OF_10.withLimits(new SpecLimits(SpecLimits.DEFAULT.maxSpecBytes(), 10, 20));
    try (CoordinatorHarness h = new CoordinatorHarness(small)) {
      h.submit("big", COUNTED);
      h.succeed(only(h.drainRuns(), "prepare"));
      assertThat(h.drainRuns()).isEmpty();
      TaskState shard = h.task("big", "shard");
      assertThat(shard.getStatus()).isEqualTo("FAILED");
      assertThat(shard.getLastReason()).isEqualTo("mapOver.count 25 would take the run over its task limit (17 more "
          + "tasks allowed; --max-run-tasks on weft coordinator, weft dev or weft run allows more)");
      assertThat(h.task("big", "report").getStatus()).isEqualTo("UPSTREAM_FAILED");
      assertThat(h.run("big").getStatus()).isEqualTo("FAILED");

      h.submit("field", COUNTED.replace("count: 25", "count: 5").replace("\"${item}\"", "\"${item.name}\""));
      h.succeed(only(h.drainRuns(), "prepare"));
      assertThat(h.task("field", "shard").getStatus()).isEqualTo("FAILED");
      assertThat(h.task("field", "shard").getLastReason()).contains("the item has no field 'name'");
      CoordinatorHarness.assertReplaysToTheSameStores(h, small);
    }
  }

  @Test
  void shouldStartAtOnceWithoutDependencies() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness(SLICES_OF_10)) {
      h.submit("c2", """
          pipeline: alone
          tasks:
            - {id: each, mapOver: {count: 3}, executor: noop}
          """);
      List<TaskCommand> instances = h.drainRuns();
      assertThat(ids(instances)).containsExactly("each[0]", "each[1]", "each[2]");
      for (TaskCommand c : instances) h.succeed(c);
      assertThat(h.run("c2").getStatus()).isEqualTo("SUCCEEDED");
      CoordinatorHarness.assertReplaysToTheSameStores(h, SLICES_OF_10);
    }
  }

  private static List<String> range(int from, int to) {
    List<String> ids = new ArrayList<>();
    for (int i = from; i < to; i++) ids.add("shard[" + i + "]");
    return ids;
  }
}
