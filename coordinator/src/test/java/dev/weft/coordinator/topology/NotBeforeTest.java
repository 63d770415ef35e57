package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.TaskCommand;
import dev.weft.coordinator.api.RunViews;
import dev.weft.coordinator.api.TaskView;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A task's notBefore time is a dependency on time: it is dispatched once its dependencies are done and that time has
 * passed, by an event the coordinator writes back to the log, so a replay dispatches it at the same place.
 */
class NotBeforeTest {
  static final String PIPELINE = """
      pipeline: morning
      params: {date: "2026-12-01"}
      tasks:
        - {id: extract, executor: noop}
        - {id: report, executor: noop, dependsOn: [extract], notBefore: "${date}T06:00:00Z"}
        - {id: publish, executor: noop, dependsOn: [report]}
      """;

  /** One instance of publish per day that days lists, each not before 06:00 UTC of its day. */
  static final String PER_DAY = """
      pipeline: per-day
      tasks:
        - {id: days, executor: noop}
        - {id: publish, executor: noop, mapOver: {task: days}, notBefore: "${item}T06:00:00Z"}
      """;

  static long at(String instant) {
    return Instant.parse(instant).toEpochMilli();
  }

  static CoordinatorHarness harness(String start) {
    return new CoordinatorHarness(CoordinatorOptions.DEFAULT, at(start));
  }

  @Test
  void shouldHoldATaskWhoseDependenciesAreDoneUntilItsTimeAndThenRunIt() throws Exception {
    CoordinatorHarness h = harness("2026-12-01T05:00:00Z");
    h.submit("r1", PIPELINE);
    List<TaskCommand> extract = h.drainRuns();
    assertThat(extract).extracting(TaskCommand::getTaskId).containsExactly("extract");
    h.advance(Duration.ofMinutes(10));
    h.succeed(extract.get(0));
    assertThat(h.drainRuns()).as("05:10: report waits for 06:00").isEmpty();
    assertThat(h.task("r1", "report").getStatus()).isEqualTo("PENDING");
    assertThat(h.task("r1", "report").getHeldUntilMs()).isEqualTo(at("2026-12-01T06:00:00Z"));
    TaskView view = RunViews.task(h.task("r1", "report"));
    assertThat(view.notBefore()).isEqualTo("2026-12-01T06:00:00Z");
    assertThat(view.waitingForTime()).isTrue();
    assertThat(RunViews.task(h.task("r1", "publish")).waitingForTime()).isNull();

    h.advance(Duration.ofMinutes(49)); // 05:59
    assertThat(h.drainRuns()).isEmpty();
    h.advance(Duration.ofMinutes(1)); // 06:00: the timer fires, and its event dispatches the task
    List<TaskCommand> report = h.drainRuns();
    assertThat(report).extracting(TaskCommand::getTaskId).containsExactly("report");
    assertThat(report.get(0).getIssuedAtMs()).isGreaterThanOrEqualTo(at("2026-12-01T06:00:00Z"));
    assertThat(h.task("r1", "report").getHeldUntilMs()).isZero();
    h.succeed(report.get(0));
    h.drainRuns().forEach(h::succeed);
    assertThat(h.run("r1").getStatus()).isEqualTo("SUCCEEDED");
    ScheduleTest.assertReplaysToSameState(h);
  }

  @Test
  void shouldRunAtOnceWhenItsTimeHasPassedByTheTimeItsDependenciesAreDone() throws Exception {
    CoordinatorHarness h = harness("2026-12-01T05:59:00Z");
    h.submit("r1", PIPELINE);
    List<TaskCommand> extract = h.drainRuns();
    h.advance(Duration.ofMinutes(2)); // 06:01, before any timer of report's could have fired
    h.succeed(extract.get(0));
    assertThat(h.drainRuns()).extracting(TaskCommand::getTaskId).containsExactly("report");
    assertThat(h.task("r1", "report").getHeldUntilMs()).isZero();
    // A root task whose time has passed when the run is accepted runs at once too.
    h.submit("r2", PIPELINE, Map.of("date", "2026-11-30"), null);
    h.drainRuns().forEach(h::succeed);
    assertThat(h.drainRuns()).extracting(TaskCommand::getTaskId).containsExactly("report");
    h.close();
  }

  @Test
  void shouldNeverRunAHeldTaskThatWasCancelledAndLeaveNoTimerBehind() throws Exception {
    CoordinatorHarness h = harness("2026-12-01T05:00:00Z");
    h.submit("r1", PIPELINE);
    h.succeed(h.drainRuns().get(0));
    assertThat(h.dump(CoordinatorTopology.TIMERS_STORE).keySet()).anyMatch(k -> k.contains("NOT_BEFORE_REACHED"));
    h.cancel("r1", "report");
    assertThat(h.task("r1", "report").getStatus()).isEqualTo("CANCELLED");
    assertThat(h.dump(CoordinatorTopology.TIMERS_STORE).keySet()).noneMatch(k -> k.contains("NOT_BEFORE_REACHED"));
    h.advance(Duration.ofHours(2));
    assertThat(h.drainRuns()).isEmpty();
    assertThat(h.run("r1").getStatus()).isEqualTo("CANCELLED");
    ScheduleTest.assertReplaysToSameState(h);
  }

  @Test
  void shouldHoldEachInstanceOfAMappedTaskUntilTheTimeItsItemNames() throws Exception {
    CoordinatorHarness h = harness("2026-12-01T05:00:00Z");
    h.submit("r1", PER_DAY);
    List<TaskCommand> days = h.drainRuns();
    h.succeedWithResult(days.get(0), "[\"2026-11-30\", \"2026-12-01\", \"2026-12-02\"]");

    assertThat(h.drainRuns()).as("05:00 on 2026-12-01: only the day whose 06:00 has passed")
        .extracting(TaskCommand::getTaskId).containsExactly("publish[0]");
    assertThat(h.task("r1", "publish[1]").getHeldUntilMs()).isEqualTo(at("2026-12-01T06:00:00Z"));
    assertThat(h.task("r1", "publish[2]").getHeldUntilMs()).isEqualTo(at("2026-12-02T06:00:00Z"));
    assertThat(RunViews.task(h.task("r1", "publish[1]")).waitingForTime()).isTrue();
    assertThat(h.task("r1", "publish").getHeldUntilMs()).as("the mapped task waits for no time itself").isZero();

    h.advance(Duration.ofHours(1));
    assertThat(h.drainRuns()).extracting(TaskCommand::getTaskId).containsExactly("publish[1]");
    h.advance(Duration.ofDays(1));
    assertThat(h.drainRuns()).extracting(TaskCommand::getTaskId).containsExactly("publish[2]");
    ScheduleTest.assertReplaysToSameState(h);
  }

  @Test
  void shouldNeverRunAHeldInstanceOfACancelledMappedTask() throws Exception {
    CoordinatorHarness h = harness("2026-12-01T05:00:00Z");
    h.submit("r1", PER_DAY);
    h.succeedWithResult(h.drainRuns().get(0), "[\"2026-12-01\"]");
    assertThat(h.task("r1", "publish[0]").getHeldUntilMs()).isPositive();

    h.cancel("r1", "publish");
    assertThat(h.task("r1", "publish[0]").getStatus()).isEqualTo("CANCELLED");
    assertThat(h.dump(CoordinatorTopology.TIMERS_STORE).keySet()).noneMatch(k -> k.contains("NOT_BEFORE_REACHED"));
    h.advance(Duration.ofHours(2));
    assertThat(h.drainRuns()).isEmpty();
    assertThat(h.run("r1").getStatus()).isEqualTo("CANCELLED");
  }

  @Test
  void shouldFailAMappedTaskWhoseItemMakesNoTimeNamingTheItem() throws Exception {
    CoordinatorHarness h = harness("2026-12-01T05:00:00Z");
    h.submit("r1", PER_DAY);
    h.succeedWithResult(h.drainRuns().get(0), "[\"2026-11-30\", \"yesterday\"]");

    assertThat(h.drainRuns()).isEmpty();
    assertThat(h.task("r1", "publish").getStatus()).isEqualTo("FAILED");
    assertThat(h.task("r1", "publish").getLastReason())
        .contains("items[1](publish[1]).notBefore").contains("'yesterdayT06:00:00Z' is not an instant");
    assertThat(h.run("r1").getStatus()).isEqualTo("FAILED");
  }
}
