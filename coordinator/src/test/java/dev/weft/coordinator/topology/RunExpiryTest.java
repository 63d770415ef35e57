package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.topics.DeadLetterHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A finished run leaves every store retainFinished after it finished, by an event the coordinator's timer wrote to
 * the log; a run in flight never does; a replay of the log expires the same runs; and what arrives later for an
 * expired run goes the way of input for an unknown run.
 */
class RunExpiryTest {
  static final Duration RETAIN = Duration.ofHours(1);
  static final CoordinatorOptions OPTIONS = CoordinatorOptions.DEFAULT.withRetainFinished(RETAIN);
  static final String ONE_TASK = """
      pipeline: one
      tasks:
        - {id: a, executor: noop}
      """;
  static final String PATIENT = """
      pipeline: patient
      tasks:
        - {id: slow, executor: noop, heartbeatTimeout: 30d}
        - {id: after, executor: noop, dependsOn: [slow]}
      """;
  static final List<String> STORES = List.of(CoordinatorTopology.RUNS_STORE, CoordinatorTopology.TASKS_STORE,
      CoordinatorTopology.TIMERS_STORE, CoordinatorTopology.RUN_INDEX_STORE, CoordinatorTopology.DEPENDENCIES_MET_STORE);

  CoordinatorHarness h = new CoordinatorHarness(OPTIONS);

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void shouldRemoveAFinishedRunFromEveryStoreOnceRetainFinishedHasPassed() throws Exception {
    h.submit("ok", CoordinatorTopologyTest.DIAMOND);
    runToEnd(h, "ok");
    h.submit("failed", "pipeline: f\ntasks:\n  - {id: x, executor: noop}\n  - {id: y, executor: noop, dependsOn: [x]}\n");
    h.fail(only(h.drainRuns()), 2, dev.weft.avro.FailureKind.EXIT_CODE);
    assertThat(h.run("ok").getStatus()).isEqualTo("SUCCEEDED");
    assertThat(h.run("failed").getStatus()).isEqualTo("FAILED");
    assertThat(h.dump(CoordinatorTopology.TIMERS_STORE)).as("one expiry timer per finished run").hasSize(2)
        .allSatisfy((k, v) -> assertThat(k).contains("|RUN_EXPIRED|"));

    h.advance(RETAIN.minusMinutes(1));
    assertThat(h.run("ok")).isNotNull();
    assertThat(h.stats.runsExpired()).isZero();

    h.advance(Duration.ofMinutes(2));
    assertThat(h.run("ok")).isNull();
    assertThat(h.run("failed")).isNull();
    for (String store : STORES) assertThat(h.dump(store)).as(store).isEmpty();
    assertThat(h.stats.runsExpired()).isEqualTo(2);
    assertThat(h.log).as("the expiries are on the log, for a replay").filteredOn(o -> o instanceof TaskEvent e
        && e.getKind() == TaskEventKind.RUN_EXPIRED).hasSize(2);
  }

  @Test
  void shouldNeverExpireARunInFlight() throws Exception {
    h.submit("inflight", PATIENT);
    h.pipe(h.event(TaskEventKind.STARTED, only(h.drainRuns())));
    h.submit("done", ONE_TASK);
    runToEnd(h, "done");

    h.advance(Duration.ofDays(10));
    // A RUN_EXPIRED for it (as a stale timer would write) changes nothing either.
    h.pipe(runExpired("inflight"));

    assertThat(h.run("done")).isNull();
    assertThat(h.run("inflight").getStatus()).isEqualTo("RUNNING");
    assertThat(h.task("inflight", "slow").getStatus()).isEqualTo("RUNNING");
    assertThat(h.task("inflight", "after").getStatus()).isEqualTo("PENDING");
    assertThat(h.dump(CoordinatorTopology.RUN_INDEX_STORE)).hasSize(1)
        .allSatisfy((k, v) -> assertThat(k).endsWith("/inflight"));
    assertThat(h.stats.ignored()).containsKey("RUN_EXPIRED for a run that is RUNNING");
  }

  @Test
  void shouldExpireTheSameRunsWhenTheLogIsReplayed() throws Exception {
    h.submit("early", ONE_TASK);
    runToEnd(h, "early");
    h.advance(Duration.ofMinutes(40));
    h.submit("late", CoordinatorTopologyTest.DIAMOND);
    runToEnd(h, "late");
    h.submit("inflight", PATIENT);
    h.pipe(h.event(TaskEventKind.STARTED, only(h.drainRuns())));
    h.advance(Duration.ofMinutes(30)); // early expires, late does not
    assertThat(h.run("early")).isNull();
    assertThat(h.run("late")).isNotNull();
    Map<String, Map<String, String>> first = dumps(h);
    List<Object> log = List.copyOf(h.log);
    h.advance(Duration.ofMinutes(40)); // late expires too
    Map<String, Map<String, String>> firstLater = dumps(h);
    List<Object> longerLog = List.copyOf(h.log);

    try (CoordinatorHarness replay = new CoordinatorHarness(OPTIONS)) {
      replay.replay(log);
      assertThat(dumps(replay)).isEqualTo(first);
    }
    try (CoordinatorHarness replay = new CoordinatorHarness(OPTIONS)) {
      replay.replay(longerLog);
      assertThat(dumps(replay)).isEqualTo(firstLater);
      assertThat(replay.run("late")).isNull();
      assertThat(replay.run("inflight")).isNotNull();
    }
  }

  @Test
  void shouldDeadLetterInputForAnExpiredRunAsForAnUnknownRun() throws Exception {
    h.submit("gone", ONE_TASK);
    TaskCommand a = only(h.drainRuns());
    h.succeed(a);
    h.advance(RETAIN.plusMinutes(1));
    assertThat(h.run("gone")).isNull();
    h.deadLetters.readRecordsToList();

    h.pipe(h.event(TaskEventKind.HEARTBEAT, a));
    h.cancel("gone", null);

    assertThat(h.deadLetters.readRecordsToList())
        .extracting(r -> DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.REASON)).satisfiesExactly(
            r -> assertThat(r).contains("HEARTBEAT event").contains("unknown run 'gone'").contains("expired")
                .contains("1h after they finish"),
            r -> assertThat(r).contains("cancel for unknown run 'gone'").contains("expired"));
    for (String store : STORES) assertThat(h.dump(store)).as(store).isEmpty();
  }

  @Test
  void shouldAcceptTheSameIdempotentRequestAsANewRunOnceItsRunExpired() throws Exception {
    h.submit("daily-2026-12-01", ONE_TASK, Map.of(), "daily-2026-12-01");
    runToEnd(h, "daily-2026-12-01");
    h.drainRunEvents();

    h.submit("daily-2026-12-01", ONE_TASK, Map.of(), "daily-2026-12-01");
    assertThat(h.drainRunEvents()).extracting(RunEvent::getKind, RunEvent::getExisting)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(RunEventKind.RUN_ACCEPTED, true));
    assertThat(h.drainRuns()).isEmpty();

    h.advance(RETAIN.plusMinutes(1));
    h.submit("daily-2026-12-01", ONE_TASK, Map.of(), "daily-2026-12-01");
    assertThat(h.drainRunEvents()).extracting(RunEvent::getKind, RunEvent::getExisting)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(RunEventKind.RUN_ACCEPTED, false));
    assertThat(h.drainRuns()).as("the pipeline runs again").hasSize(1);
  }

  @Test
  void shouldKeepFinishedRunsForeverWhenRetainFinishedIsZero() throws Exception {
    h.close();
    h = new CoordinatorHarness(CoordinatorOptions.DEFAULT.withRetainFinished(Duration.ZERO));
    h.submit("kept", ONE_TASK);
    runToEnd(h, "kept");
    h.advance(Duration.ofDays(400));
    assertThat(h.run("kept").getStatus()).isEqualTo("SUCCEEDED");
    assertThat(h.run("kept").getExpiresAtMs()).isZero();
    assertThat(h.dump(CoordinatorTopology.TIMERS_STORE)).isEmpty();
  }

  /** Succeeds every dispatched task of {@code runId} until the run has finished. */
  @Test
  void shouldExpireARunLargerThanASliceASliceAtATimeAndReplayTheSame() throws Exception {
    CoordinatorOptions slices = OPTIONS.withSliceTasks(10);
    try (CoordinatorHarness big = new CoordinatorHarness(slices)) {
      big.submit("wide", """
          pipeline: wide
          tasks:
            - {id: each, mapOver: {count: 24}, executor: noop}
          """);
      for (int slice = 0; slice < 3; slice++) {
        for (TaskCommand c : big.drainRuns()) big.succeed(c);
        big.advance(Duration.ofMillis(slices.timerTickMs()));
      }
      assertThat(big.run("wide").getStatus()).isEqualTo("SUCCEEDED");
      assertThat(big.run("wide").getTaskCount()).isEqualTo(25);

      big.advance(RETAIN.plusMinutes(1));
      assertThat(big.dump(CoordinatorTopology.TASKS_STORE)).as("one slice of 10 deleted").hasSize(15);
      assertThat(big.run("wide")).as("the run stays until its last slice").isNotNull();
      big.advance(Duration.ofMillis(slices.timerTickMs()));
      assertThat(big.dump(CoordinatorTopology.TASKS_STORE)).hasSize(5);
      big.advance(Duration.ofMillis(slices.timerTickMs()));
      assertThat(big.run("wide")).isNull();
      for (String store : STORES) assertThat(big.dump(store)).as(store).isEmpty();
      assertThat(big.log).as("each slice's RUN_EXPIRED is on the log, for a replay").filteredOn(o ->
          o instanceof TaskEvent e && e.getKind() == TaskEventKind.RUN_EXPIRED).hasSize(3);
      CoordinatorHarness.assertReplaysToTheSameStores(big, slices);
    }
  }

  static void runToEnd(CoordinatorHarness h, String runId) {
    List<TaskCommand> dispatched;
    while (!(dispatched = h.drainRuns()).isEmpty()) {
      for (TaskCommand c : dispatched) {
        if (c.getRunId().equals(runId)) h.succeed(c);
      }
    }
    assertThat(h.run(runId).getFinishedAtMs()).as("run %s finished", runId).isPositive();
  }

  static TaskCommand only(List<TaskCommand> commands) {
    assertThat(commands).hasSize(1);
    return commands.get(0);
  }

  private TaskEvent runExpired(String runId) {
    return TaskEvent.newBuilder().setKind(TaskEventKind.RUN_EXPIRED).setRunId(runId).setTaskId("").setAttempt(0)
        .setAtMs(h.now).setSource("coordinator").build();
  }

  private static Map<String, Map<String, String>> dumps(CoordinatorHarness h) {
    Map<String, Map<String, String>> out = new java.util.TreeMap<>();
    for (String store : STORES) out.put(store, h.dump(store));
    return out;
  }
}
