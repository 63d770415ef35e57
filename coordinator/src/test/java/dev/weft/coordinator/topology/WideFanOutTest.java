package dev.weft.coordinator.topology;

import static dev.weft.coordinator.topology.CoordinatorHarness.ids;
import static dev.weft.coordinator.topology.CoordinatorHarness.only;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.CommandKind;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEventKind;
import dev.weft.coordinator.state.DeferredRelease;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A task with more dependants than one slice tells them a slice at a time, on the production topology: the first
 * slice when it completes, the next each time at most half a slice of the run's tasks are out at executors. Every
 * scenario is folded again into fresh stores and must give the same runs, tasks and timers.
 */
class WideFanOutTest {
  /** Slices of 10: the next slice is told once at most 5 tasks are out. */
  private static final CoordinatorOptions SLICES_OF_10 = CoordinatorOptions.DEFAULT.withSliceTasks(10);

  /** {@code root} with 25 dependants {@code w00..w24}, the first {@code waitingForX} of them also on {@code x}. */
  private static String fan(int waitingForX) {
    StringBuilder yaml = new StringBuilder("pipeline: wide\ntasks:\n  - {id: root, executor: noop}\n"
        + "  - {id: x, executor: noop}\n");
    for (String w : wide(0, 25)) {
      boolean onX = Integer.parseInt(w.substring(1)) < waitingForX;
      yaml.append("  - {id: ").append(w).append(", executor: noop, dependsOn: [root").append(onX ? ", x" : "")
          .append("]}\n");
    }
    yaml.append("  - {id: sink, executor: noop, dependsOn: [").append(String.join(", ", wide(0, 25))).append("]}\n");
    return yaml.toString();
  }

  @Test
  void shouldTellTheDependantsASliceAtATimeAsTheTasksOutEnd() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness(SLICES_OF_10)) {
      Map<String, TaskCommand> out = xAndRootSucceeded(h, "f1", fan(0));

      List<TaskCommand> first = h.drainRuns();
      assertThat(ids(first)).as("the first slice").containsExactlyElementsOf(wide(0, 10));
      assertThat(h.run("f1").getDeferredReleases()).containsExactly(new DeferredRelease("root", 10));
      assertThat(h.task("f1", "w10").getStatus()).isEqualTo("PENDING");
      assertThat(h.unmetDependencies("f1", "w10")).as("not told yet").isEqualTo(1);

      out.putAll(byId(first));
      for (String w : wide(0, 4)) h.succeed(out.remove(w));
      assertThat(h.drainRuns()).as("six still out: more than half a slice").isEmpty();
      h.succeed(out.remove("w04"));
      List<TaskCommand> second = h.drainRuns();
      assertThat(ids(second)).as("five out: the next slice").containsExactlyElementsOf(wide(10, 20));
      assertThat(h.run("f1").getDeferredReleases()).containsExactly(new DeferredRelease("root", 20));

      out.putAll(byId(second));
      for (String w : wide(5, 14)) h.succeed(out.remove(w));
      assertThat(h.drainRuns()).isEmpty();
      h.succeed(out.remove("w14"));
      List<TaskCommand> third = h.drainRuns();
      assertThat(ids(third)).as("the last slice").containsExactlyElementsOf(wide(20, 25));
      assertThat(h.run("f1").getDeferredReleases()).as("every dependant told").isEmpty();

      out.putAll(byId(third));
      for (String w : wide(15, 25)) h.succeed(out.remove(w));
      h.succeed(only(h.drainRuns(), "sink"));
      assertThat(h.run("f1").getStatus()).isEqualTo("SUCCEEDED");
      CoordinatorHarness.assertReplaysToTheSameStores(h, SLICES_OF_10);
    }
  }

  @Test
  void shouldGoOnToTheNextSliceAtOnceWhenASliceDispatchesNothing() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness(SLICES_OF_10)) {
      h.submit("f2", fan(10));
      Map<String, TaskCommand> out = byId(h.drainRuns());
      h.succeed(out.remove("root"));
      assertThat(ids(h.drainRuns())).as("w00..w09 still wait for x, so the next slice goes out in the same decision")
          .containsExactlyElementsOf(wide(10, 20));
      assertThat(h.run("f2").getDeferredReleases()).containsExactly(new DeferredRelease("root", 20));
      assertThat(h.unmetDependencies("f2", "w03")).as("told of root, waits for x").isEqualTo(1);

      h.succeed(out.remove("x"));
      assertThat(ids(h.drainRuns())).containsExactlyElementsOf(wide(0, 10));
      CoordinatorHarness.assertReplaysToTheSameStores(h, SLICES_OF_10);
    }
  }

  @Test
  void shouldCancelTheDependantsNotToldYetWithTheRun() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness(SLICES_OF_10)) {
      assertThat(xAndRootSucceeded(h, "f3", fan(0))).as("nothing else was out").isEmpty();
      List<TaskCommand> first = h.drainRuns();
      assertThat(first).hasSize(10);

      h.cancel("f3", null);
      assertThat(h.drainCommands()).as("a Cancel for each task out at an executor")
          .allMatch(c -> c.getKind() == CommandKind.CANCEL).hasSize(10);
      assertThat(h.task("f3", "w17").getStatus()).as("never told, never dispatched").isEqualTo("CANCELLED");
      for (TaskCommand c : first) h.pipe(h.event(TaskEventKind.CANCELLED, c));
      assertThat(h.drainRuns()).as("nothing told once the run is cancelled").isEmpty();
      assertThat(h.run("f3").getStatus()).isEqualTo("CANCELLED");
      assertThat(h.task("f3", "sink").getStatus()).isEqualTo("CANCELLED");
      CoordinatorHarness.assertReplaysToTheSameStores(h, SLICES_OF_10);
    }
  }

  @Test
  void shouldTellEachDependantOnceWhenOneOfTheSliceEndsAsItIsDispatched() throws Exception {
    // w10, first of the second slice, is mapped over a count of 0: dispatched, it succeeds in the same decision, and
    // that end may tell the next slice; it must not tell the second slice again.
    String yaml = fan(0).replace("{id: w10, executor: noop,", "{id: w10, executor: noop, mapOver: {count: 0},");
    try (CoordinatorHarness h = new CoordinatorHarness(SLICES_OF_10)) {
      Map<String, TaskCommand> out = xAndRootSucceeded(h, "f6", yaml);
      out.putAll(byId(h.drainRuns()));
      for (String w : wide(0, 5)) h.succeed(out.remove(w));

      List<TaskCommand> next = h.drainRuns();
      assertThat(h.task("f6", "w10").getStatus()).isEqualTo("SUCCEEDED");
      assertThat(ids(next)).as("w10 ended at once with five out: the last slice is told too, each task once")
          .containsExactlyInAnyOrderElementsOf(wide(11, 25));
      assertThat(h.run("f6").getDeferredReleases()).isEmpty();
      out.putAll(byId(next));
      for (TaskCommand c : List.copyOf(out.values())) h.succeed(c);
      h.succeed(only(h.drainRuns(), "sink"));
      assertThat(h.run("f6").getStatus()).isEqualTo("SUCCEEDED");
      assertThat(h.dump(CoordinatorTopology.DEPENDENCIES_MET_STORE)).as("no dependency counted twice").isEmpty();
      CoordinatorHarness.assertReplaysToTheSameStores(h, SLICES_OF_10);
    }
  }

  @Test
  void shouldDeferTheDependantsOfAWideTaskCarriedOverByARerun() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness(SLICES_OF_10)) {
      assertThat(xAndRootSucceeded(h, "f4", fan(0))).as("nothing else was out").isEmpty();
      for (int told = 0; told < 25; ) {
        List<TaskCommand> slice = h.drainRuns();
        told += slice.size();
        for (TaskCommand c : slice) h.succeed(c);
      }
      h.succeed(only(h.drainRuns(), "sink"));
      assertThat(h.run("f4").getStatus()).isEqualTo("SUCCEEDED");

      h.rerun("f4", "f5", false, wide(0, 25), List.of());
      List<TaskCommand> first = h.drainRuns();
      assertThat(ids(first)).as("root carried over: its first slice of dependants runs")
          .containsExactlyElementsOf(wide(0, 10));
      assertThat(h.task("f5", "root").getStatus()).isEqualTo("SKIPPED");
      assertThat(h.run("f5").getDeferredReleases()).containsExactly(new DeferredRelease("root", 10));
      for (TaskCommand c : first.subList(0, 5)) h.succeed(c);
      assertThat(ids(h.drainRuns())).containsExactlyElementsOf(wide(10, 20));
      CoordinatorHarness.assertReplaysToTheSameStores(h, SLICES_OF_10);
    }
  }

  /** Submits {@code yaml} as {@code runId} and succeeds x and root; returns the commands still out (x's none). */
  private static Map<String, TaskCommand> xAndRootSucceeded(CoordinatorHarness h, String runId, String yaml)
      throws Exception {
    h.submit(runId, yaml);
    Map<String, TaskCommand> out = byId(h.drainRuns());
    h.succeed(out.remove("x"));
    h.succeed(out.remove("root"));
    return out;
  }

  private static List<String> wide(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> String.format("w%02d", i)).collect(Collectors.toList());
  }

  private static Map<String, TaskCommand> byId(List<TaskCommand> commands) {
    Map<String, TaskCommand> byId = new HashMap<>();
    for (TaskCommand c : commands) byId.put(c.getTaskId(), c);
    return byId;
  }
}
