package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.BackfillRange;
import dev.weft.avro.FailureKind;
import dev.weft.avro.RequestKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskCommand;
import dev.weft.coordinator.state.BackfillState;
import dev.weft.spec.PipelineSpecs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** A backfill starts one run per value, never more than maxActiveRuns at once, each value once. */
class BackfillTest {
  static final String DAILY = """
      pipeline: daily
      params: {date: "2026-11-01", region: eu}
      tasks:
        - {id: extract, executor: noop}
        - {id: load, executor: noop, dependsOn: [extract]}
      """;

  @Test
  void shouldNeverRunMoreThanMaxActiveAndEachValueOnce() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      List<String> dates = dates(10);
      h.pipe(backfill("bf-1", dates, 3));
      Set<String> active = new HashSet<>();
      Map<String, Integer> runsPerDate = new HashMap<>();
      int maxActive = 0;
      int round = 0;
      while (true) {
        List<RunEvent> events = h.drainRunEvents();
        for (RunEvent e : events) {
          if (e.getKind() == RunEventKind.RUN_ACCEPTED && !e.getExisting()) {
            active.add(e.getRunId());
            runsPerDate.merge(e.getParams().get("date"), 1, Integer::sum);
            assertThat(e.getStartedBy()).isEqualTo("bf-1");
          }
          if (e.getKind() == RunEventKind.RUN_FINISHED) active.remove(e.getRunId());
          maxActive = Math.max(maxActive, active.size());
        }
        List<TaskCommand> runs = h.drainRuns();
        if (runs.isEmpty()) break;
        for (TaskCommand c : runs) {
          // One value fails for good: it counts as failed and the backfill goes on.
          if (c.getTaskId().equals("load") && h.run(c.getRunId()).getParams().get("date").equals("2026-11-04")) {
            h.fail(c, 1, FailureKind.EXIT_CODE);
          } else {
            h.succeed(c);
          }
        }
        assertThat(++round).isLessThan(100);
      }
      assertThat(maxActive).isEqualTo(3);
      assertThat(runsPerDate).hasSize(10).allSatisfy((date, n) -> assertThat(n).isEqualTo(1));
      BackfillState b = h.backfill("bf-1");
      assertThat(b.getStatus()).isEqualTo("FAILED");
      assertThat(b.getActive()).isZero();
      assertThat(b.getRunStatuses()).filteredOn("SUCCEEDED"::equals).hasSize(9);
      assertThat(b.getRunStatuses().get(3)).isEqualTo("FAILED");
      // Other parameters are the backfill's for every run.
      assertThat(h.run(b.getRunIds().get(0)).getParams()).containsEntry("region", "us");
    }
  }

  @Test
  void shouldStartNothingNewWhenTheSameBackfillOrValueComesAgain() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.pipe(backfill("bf-1", dates(2), 2));
      List<TaskCommand> first = h.drainRuns();
      assertThat(first).hasSize(2);
      h.pipe(backfill("bf-1", dates(2), 2));
      assertThat(h.drainRuns()).isEmpty();
      // Another backfill over an overlapping range: the run of the shared value is the same run, watched by both.
      h.pipe(backfill("bf-2", dates(3).subList(1, 3), 2));
      List<TaskCommand> second = h.drainRuns();
      assertThat(second).extracting(TaskCommand::getRunId).doesNotContain(first.get(1).getRunId()).hasSize(1);
      for (int i = 0; i < 3; i++) {
        first.forEach(h::succeed);
        second.forEach(h::succeed);
        first = h.drainRuns();
        second = List.of();
      }
      assertThat(h.backfill("bf-1").getStatus()).isEqualTo("SUCCEEDED");
      assertThat(h.backfill("bf-2").getStatus()).isEqualTo("SUCCEEDED");
    }
  }

  @Test
  void shouldCancelTheRunningRunsAndStartNoMore() throws Exception {
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.pipe(backfill("bf-1", dates(5), 2));
      assertThat(h.drainRuns()).hasSize(2);
      h.pipe(RunRequest.newBuilder().setKind(RequestKind.BACKFILL_CANCEL).setRunId("bf-1").setRequestedAtMs(h.now)
          .setRequester("test").build());
      BackfillState b = h.backfill("bf-1");
      assertThat(b.getStatus()).isEqualTo("CANCELLED");
      assertThat(b.getRunStatuses()).containsExactly("CANCELLED", "CANCELLED", "PENDING", "PENDING", "PENDING");
      assertThat(h.drainRuns()).isEmpty();
    }
  }

  @Test
  void shouldFoldTheSameLogToTheSameState() throws Exception {
    List<SpecificRecord> log;
    Map<String, String> backfills, runs, tasks;
    try (CoordinatorHarness h = new CoordinatorHarness()) {
      h.pipe(backfill("bf-1", dates(6), 2));
      for (int i = 0; i < 10; i++) h.drainRuns().forEach(h::succeed);
      assertThat(h.backfill("bf-1").getStatus()).isEqualTo("SUCCEEDED");
      log = List.copyOf(h.folded);
      backfills = h.dump(CoordinatorTopology.BACKFILLS_STORE);
      runs = h.dump(CoordinatorTopology.RUNS_STORE);
      tasks = h.dump(CoordinatorTopology.TASKS_STORE);
    }
    long requests = log.stream().filter(o -> o instanceof RunRequest).count();
    CatchUp catchUp = CatchUp.until(Map.of(CoordinatorHarness.TOPICS.requests() + ":0", requests,
        CoordinatorHarness.TOPICS.taskEvents() + ":0", log.size() - requests));
    try (CoordinatorHarness replay = new CoordinatorHarness(CoordinatorOptions.DEFAULT.withCatchUp(catchUp))) {
      replay.refold(log);
      assertThat(replay.drainCommands()).isEmpty();
      assertThat(replay.dump(CoordinatorTopology.BACKFILLS_STORE)).isEqualTo(backfills);
      assertThat(replay.dump(CoordinatorTopology.RUNS_STORE)).isEqualTo(runs);
      assertThat(replay.dump(CoordinatorTopology.TASKS_STORE)).isEqualTo(tasks);
    }
  }

  static RunRequest backfill(String id, List<String> values, int maxActive) throws Exception {
    return RunRequest.newBuilder().setKind(RequestKind.BACKFILL).setRunId(id).setRequestedAtMs(1_700_000_000_000L)
        .setRequester("test").setSpecJson(PipelineSpecs.toJson(PipelineSpecs.parse(DAILY)))
        .setParams(new HashMap<>(Map.of("region", "us")))
        .setBackfill(BackfillRange.newBuilder().setParam("date").setValues(values).setMaxActiveRuns(maxActive)
            .setPriority(0).build())
        .build();
  }

  static List<String> dates(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) out.add(String.format("2026-11-%02d", i));
    return out;
  }
}
