package dev.weft.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Slots of a cron expression in a time zone, across daylight-saving changes, and the schedule's validation. */
class CronScheduleTest {
  private static CronSchedule schedule(String cron, String zone) throws SpecException {
    return CronSchedule.of(new ScheduleSpec(cron, zone, true, 1, Map.of("date", "${scheduled.date}",
        "time", "${scheduled.time}", "at", "${scheduled.instant}", "literal", "$${scheduled.date}")));
  }

  private static List<Instant> slots(CronSchedule s, Instant from, Instant to) {
    List<Instant> out = new ArrayList<>();
    for (Instant t = s.nextAfter(from); !t.isAfter(to); t = s.nextAfter(t)) out.add(t);
    return out;
  }

  @Test
  void shouldFireADaily0230JobOnceOnTheSpringDayAtTheShiftedLocalTime() throws Exception {
    CronSchedule s = schedule("30 2 * * *", "Europe/Berlin");
    // 2026-03-29 02:00 CET becomes 03:00 CEST: 02:30 does not exist that day.
    List<Instant> slots = slots(s, Instant.parse("2026-03-27T12:00:00Z"), Instant.parse("2026-03-31T12:00:00Z"));
    assertThat(slots).containsExactly(
        Instant.parse("2026-03-28T01:30:00Z"),  // 02:30 CET
        Instant.parse("2026-03-29T01:30:00Z"),  // 03:30 CEST: 02:30 shifted by the one-hour gap
        Instant.parse("2026-03-30T00:30:00Z"),  // 02:30 CEST
        Instant.parse("2026-03-31T00:30:00Z"));
    assertThat(s.params(slots.get(1))).containsEntry("date", "2026-03-29").containsEntry("time", "03:30:00")
        .containsEntry("at", "2026-03-29T01:30:00Z").containsEntry("literal", "${scheduled.date}");
  }

  @Test
  void shouldFireADaily0230JobOnceOnTheAutumnDayAtItsFirstOccurrence() throws Exception {
    CronSchedule s = schedule("30 2 * * *", "Europe/Berlin");
    // 2026-10-25 03:00 CEST becomes 02:00 CET: 02:30 happens twice, at 00:30Z and 01:30Z.
    List<Instant> slots = slots(s, Instant.parse("2026-10-24T12:00:00Z"), Instant.parse("2026-10-26T12:00:00Z"));
    assertThat(slots).containsExactly(Instant.parse("2026-10-25T00:30:00Z"), Instant.parse("2026-10-26T01:30:00Z"));
    // Asked from within the repeated hour (after the first 02:30), it does not fire the second one.
    assertThat(s.nextAfter(Instant.parse("2026-10-25T01:10:00Z"))).isEqualTo(Instant.parse("2026-10-26T01:30:00Z"));
    assertThat(s.latestAtOrBefore(Instant.parse("2026-10-25T01:45:00Z")))
        .contains(Instant.parse("2026-10-25T00:30:00Z"));
  }

  @Test
  void shouldRunAnHourlyJobByTheLocalClockAcrossBothChanges() throws Exception {
    CronSchedule s = schedule("0 * * * *", "Europe/Berlin");
    assertThat(slots(s, Instant.parse("2026-03-28T22:59:00Z"), Instant.parse("2026-03-29T21:59:00Z")))
        .as("spring day: 23 local hours, 02:00 shifted onto 03:00").hasSize(23).doesNotHaveDuplicates();
    assertThat(slots(s, Instant.parse("2026-10-24T21:59:00Z"), Instant.parse("2026-10-25T22:59:00Z")))
        .as("autumn day: the repeated 02:00 fires once").hasSize(24).doesNotHaveDuplicates();
  }

  @Test
  void shouldReadSixFieldsWithSecondsFirst() throws Exception {
    CronSchedule s = schedule("*/5 * * * * *", "UTC");
    assertThat(s.nextAfter(Instant.parse("2026-12-01T10:00:01.500Z"))).isEqualTo(Instant.parse("2026-12-01T10:00:05Z"));
    assertThat(s.nextAfter(Instant.parse("2026-12-01T10:00:05Z"))).isEqualTo(Instant.parse("2026-12-01T10:00:10Z"));
    assertThat(s.latestAtOrBefore(Instant.parse("2026-12-01T10:00:05Z"))).contains(Instant.parse("2026-12-01T10:00:05Z"));
    assertThat(s.latestAtOrBefore(Instant.parse("2026-12-01T10:00:09.999Z")))
        .contains(Instant.parse("2026-12-01T10:00:05Z"));
  }

  @Test
  void shouldFindTheLatestSlotBeforeASpringGapSlotHasCome() throws Exception {
    CronSchedule s = schedule("30 2 * * *", "Europe/Berlin");
    // 03:10 CEST on the spring day: that day's slot is 03:30, so the latest is the day before.
    assertThat(s.latestAtOrBefore(Instant.parse("2026-03-29T01:10:00Z"))).contains(Instant.parse("2026-03-28T01:30:00Z"));
    assertThat(s.latestAtOrBefore(Instant.parse("2026-03-29T01:30:00Z"))).contains(Instant.parse("2026-03-29T01:30:00Z"));
  }

  @Test
  void shouldListEveryProblemOfASchedule() {
    ScheduleSpec bad = new ScheduleSpec("61 * * *", "Mars/Olympus", null, 0, Map.of("d", "${date}"));
    assertThat(CronSchedule.problems(bad, "schedule")).extracting(SpecProblem::toString).satisfiesExactlyInAnyOrder(
        p -> assertThat(p).startsWith("schedule.cron: '61 * * *' is not a cron expression"),
        p -> assertThat(p).startsWith("schedule.timezone: unknown time zone 'Mars/Olympus'"),
        p -> assertThat(p).startsWith("schedule.maxActiveRuns: must be between 1 and 100"),
        p -> assertThat(p).startsWith("schedule.params.d: unknown '${date}'"));
    assertThat(CronSchedule.problems(new ScheduleSpec("0 0 30 2 *", null, null, null, null), "schedule"))
        .extracting(SpecProblem::toString).containsExactly("schedule.cron: '0 0 30 2 *' never fires");
    assertThatThrownBy(() -> CronSchedule.of(new ScheduleSpec("61 * * * *", null, null, null, null)))
        .isInstanceOf(SpecException.class).hasMessageContaining("schedule.cron");
  }

  @Test
  void shouldParseAScheduleAndNotBeforeFromYaml() throws Exception {
    PipelineSpec spec = PipelineSpecs.parse("""
        pipeline: nightly
        params: {date: "2026-12-01"}
        schedule: {cron: "0 2 * * *", timezone: Europe/Berlin, catchup: true, maxActiveRuns: 2,
                   params: {date: "${scheduled.date}"}}
        tasks:
          - {id: report, executor: noop, notBefore: "${date}T06:00:00Z"}
        """);
    assertThat(spec.schedule().catchupOrDefault()).isTrue();
    assertThat(spec.schedule().maxActiveRunsOrDefault()).isEqualTo(2);
    ResolvedPipeline p = PipelineSpecs.resolve(spec, Map.of("date", "2026-12-02"));
    assertThat(p.tasks().get(0).notBeforeMs()).isEqualTo(Instant.parse("2026-12-02T06:00:00Z").toEpochMilli());
    assertThat(PipelineSpecs.parse(PipelineSpecs.toJson(spec))).isEqualTo(spec);
  }

  @Test
  void shouldRefuseANotBeforeThatIsNotAnInstant() throws Exception {
    PipelineSpec spec = PipelineSpecs.parse("""
        pipeline: p
        params: {date: "2026-12-01"}
        tasks:
          - {id: a, executor: noop, notBefore: "${date} 06:00"}
        """);
    assertThatThrownBy(() -> PipelineSpecs.resolve(spec, Map.of())).isInstanceOf(SpecException.class)
        .hasMessageContaining("tasks[0](a).notBefore: '2026-12-01 06:00' is not an instant");
    PipelineSpec literal = PipelineSpecs.parse("""
        pipeline: p
        tasks:
          - {id: b, executor: noop, notBefore: "tomorrow"}
        """);
    assertThatThrownBy(() -> PipelineSpecs.resolve(literal, Map.of())).isInstanceOf(SpecException.class)
        .hasMessageContaining("tasks[0](b).notBefore: 'tomorrow' is not an instant");
  }
}
