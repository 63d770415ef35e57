package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.CommandKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.coordinator.decide.Decisions;
import dev.weft.coordinator.decide.FoldDecider;
import dev.weft.topics.DeadLetterHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A decision is all or nothing: a decider that throws after it recorded events and emitted outputs leaves the stores,
 * the timer index and the topics exactly as they were before the input, and its input goes to dead-letter once.
 */
class AtomicDecisionTest {
  static final String CHAIN = """
      pipeline: chain
      tasks:
        - {id: a, executor: noop}
        - {id: b, executor: noop, dependsOn: [a]}
      """;
  static final String ONE = """
      pipeline: one
      tasks:
        - {id: x, executor: noop}
      """;

  /** When armed, fails every decision on a SUCCEEDED, and every timer firing, after the production decider made it. */
  private final AtomicBoolean armed = new AtomicBoolean();
  private final CoordinatorHarness h = new CoordinatorHarness(CoordinatorOptions.DEFAULT.withDeciders(
      (state, settings) -> new FailingAfterDeciding(FoldDecider.PRODUCTION.create(state, settings), armed)));

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void shouldKeepNothingOfADecisionWhoseDeciderThrewAfterRecordingEvents() throws Exception {
    h.submit("r1", CHAIN);
    h.submit("r2", ONE);
    Map<String, TaskCommand> runs = byTask(h.drainRuns());
    TaskCommand a = runs.get("a");
    h.pipe(h.event(TaskEventKind.STARTED, a));
    h.drainRunEvents();
    Map<String, String> runsBefore = h.dump(CoordinatorTopology.RUNS_STORE);
    Map<String, String> tasksBefore = h.dump(CoordinatorTopology.TASKS_STORE);
    Map<String, String> timersBefore = h.dump(CoordinatorTopology.TIMERS_STORE);
    Map<String, String> metBefore = h.dump(CoordinatorTopology.DEPENDENCIES_MET_STORE);

    armed.set(true);
    TaskEvent succeeded = h.event(TaskEventKind.SUCCEEDED, a);
    h.pipe(succeeded);

    // The production decider had recorded a's completion, b's dependency met and b's dispatch, and emitted b's RUN
    // and a's TASK_FINISHED: none of it may be kept.
    assertThat(h.drainCommands()).as("no command of the failed decision").isEmpty();
    assertThat(h.drainRunEvents()).as("no run event of the failed decision").isEmpty();
    assertThat(h.taskEventsOut.readValuesToList()).isEmpty();
    assertThat(h.dump(CoordinatorTopology.RUNS_STORE)).isEqualTo(runsBefore);
    assertThat(h.dump(CoordinatorTopology.TASKS_STORE)).isEqualTo(tasksBefore);
    assertThat(h.dump(CoordinatorTopology.TIMERS_STORE)).isEqualTo(timersBefore);
    assertThat(h.dump(CoordinatorTopology.DEPENDENCIES_MET_STORE)).isEqualTo(metBefore);
    List<TestRecord<byte[], byte[]>> dead = h.deadLetters.readRecordsToList();
    assertThat(dead).hasSize(1);
    assertThat(header(dead.get(0), DeadLetterHeaders.REASON)).contains("injected failure after deciding")
        .contains("nothing of its decision was kept");
    assertThat(dead.get(0).value()).isEqualTo(h.serdes.taskEvent().serializer().serialize("t", succeeded));

    // The same input again, decided without failure, is decided from the untouched state: b runs exactly once.
    armed.set(false);
    h.pipe(succeeded);
    List<TaskCommand> next = h.drainRuns();
    assertThat(next).extracting(TaskCommand::getTaskId).containsExactly("b");
    assertThat(next.get(0).getAttempt()).isEqualTo(1);
    h.succeed(next.get(0));
    h.succeed(runs.get("x"));
    assertThat(h.drainRunEvents()).filteredOn(e -> e.getKind() == RunEventKind.RUN_FINISHED)
        .extracting(RunEvent::getRunId, RunEvent::getRunStatus)
        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("r1", RunStatus.SUCCEEDED),
            org.assertj.core.groups.Tuple.tuple("r2", RunStatus.SUCCEEDED));
    assertThat(h.deadLetters.readRecordsToList()).isEmpty();
  }

  @Test
  void shouldKeepNoDependencyCountOfAFailedDecision() throws Exception {
    h.submit("r1", """
        pipeline: join
        tasks:
          - {id: a, executor: noop}
          - {id: b, executor: noop}
          - {id: c, executor: noop, dependsOn: [a, b]}
        """);
    TaskCommand a = byTask(h.drainRuns()).get("a");
    h.pipe(h.event(TaskEventKind.STARTED, a));
    TaskEvent succeeded = h.event(TaskEventKind.SUCCEEDED, a);

    armed.set(true);
    h.pipe(succeeded); // the production decider counted one of c's dependencies met
    assertThat(h.dump(CoordinatorTopology.DEPENDENCIES_MET_STORE)).isEmpty();
    assertThat(h.unmetDependencies("r1", "c")).isEqualTo(2);

    armed.set(false);
    h.pipe(succeeded);
    assertThat(h.dump(CoordinatorTopology.DEPENDENCIES_MET_STORE)).containsExactly(Map.entry("r1/c", "1"));
    assertThat(h.unmetDependencies("r1", "c")).isEqualTo(1);
  }

  @Test
  void shouldKeepTheTimerIndexOfAFailedDecision() throws Exception {
    h.submit("r1", CHAIN);
    TaskCommand a = h.drainRuns().get(0);
    h.pipe(h.event(TaskEventKind.STARTED, a));
    armed.set(true);
    h.pipe(h.event(TaskEventKind.SUCCEEDED, a)); // would have deleted a's heartbeat timer
    armed.set(false);

    // a's attempt is still RUNNING and silent, so its heartbeat timer must still be live and fire.
    h.advance(Duration.ofSeconds(31));
    assertThat(h.taskEventsOut.readValuesToList()).isEmpty(); // advance() moved them to the log
    assertThat(h.log).filteredOn(o -> o instanceof TaskEvent e && e.getKind() == TaskEventKind.ATTEMPT_LOST)
        .hasSize(1);
    assertThat(h.drainCommands()).extracting(TaskCommand::getKind, TaskCommand::getTaskId)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(CommandKind.CANCEL, "a"));
  }

  @Test
  void shouldKeepTimersWhoseFiringFailedAndFireThemNextTick() throws Exception {
    h.submit("r1", CHAIN);
    TaskCommand a = h.drainRuns().get(0);
    h.pipe(h.event(TaskEventKind.STARTED, a));
    Map<String, String> timersBefore = h.dump(CoordinatorTopology.TIMERS_STORE);
    assertThat(timersBefore.keySet()).as("a's heartbeat, and the run's queue timer for its group, due in an hour")
        .hasSize(2).anyMatch(k -> k.contains("|ATTEMPT_LOST|r1/a#1"));

    armed.set(true);
    h.advance(Duration.ofSeconds(31));
    assertThat(h.log).as("nothing written back by the failed firing").filteredOn(o -> o instanceof TaskEvent)
        .extracting(o -> ((TaskEvent) o).getKind()).containsExactly(TaskEventKind.STARTED);
    assertThat(h.dump(CoordinatorTopology.TIMERS_STORE)).isEqualTo(timersBefore);

    armed.set(false);
    h.advance(Duration.ofMillis(200));
    assertThat(h.log).filteredOn(o -> o instanceof TaskEvent e && e.getKind() == TaskEventKind.ATTEMPT_LOST)
        .hasSize(1);
    assertThat(h.dump(CoordinatorTopology.TIMERS_STORE)).as("the fired timer is gone; the run ended, so only its "
        + "expiry timer is left").hasSize(1).allSatisfy((k, v) -> assertThat(k).contains("|RUN_EXPIRED|r1/"));
  }

  private static Map<String, TaskCommand> byTask(List<TaskCommand> commands) {
    return commands.stream().collect(java.util.stream.Collectors.toMap(TaskCommand::getTaskId, c -> c));
  }

  private static String header(TestRecord<byte[], byte[]> r, String name) {
    return DeadLetterHeaders.text(r.headers(), name);
  }

  /** The production decider, then an exception: what a bug late in a decision looks like. */
  private record FailingAfterDeciding(FoldDecider production, AtomicBoolean armed) implements FoldDecider {
    @Override
    public void decide(SpecificRecord input, Decisions d) {
      production.decide(input, d);
      if (armed.get() && input instanceof TaskEvent e && e.getKind() == TaskEventKind.SUCCEEDED) {
        throw new IllegalStateException("injected failure after deciding");
      }
    }

    @Override
    public int fireTimers(long nowMs, int max, Decisions d) {
      int fired = production.fireTimers(nowMs, max, d);
      if (armed.get() && fired > 0) throw new IllegalStateException("injected failure after firing timers");
      return fired;
    }
  }
}
