package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.RequestKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskCommand;
import dev.weft.coordinator.decide.ScheduleRuns;
import dev.weft.coordinator.state.ScheduleState;
import dev.weft.spec.PipelineSpecs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Schedules on the production topology: each slot fires once (daylight-saving changes included), missed slots after
 * downtime fire as {@code catchup} says and {@code maxActiveRuns} allows, pause, resume and delete; and every scenario
 * folded again from its log gives the same stores.
 */
class ScheduleTest {
  static final String[] STORES = {CoordinatorTopology.SCHEDULES_STORE, CoordinatorTopology.RUNS_STORE,
      CoordinatorTopology.TASKS_STORE, CoordinatorTopology.TIMERS_STORE, CoordinatorTopology.RUN_INDEX_STORE};

  static String pipeline(String cron, String zone, boolean catchup, int maxActiveRuns) {
    return """
        pipeline: nightly
        params: {date: "2000-01-01", at: none}
        schedule:
          cron: "%s"
          timezone: %s
          catchup: %s
          maxActiveRuns: %d
          params: {date: "${scheduled.date}", time: "${scheduled.time}", at: "${scheduled.instant}"}
        tasks:
          - {id: extract, executor: noop}
          - {id: report, executor: noop, dependsOn: [extract]}
        """.formatted(cron, zone, catchup, maxActiveRuns);
  }

  /** A coordinator whose runs an executor finishes as soon as they are dispatched (unless told to hold them). */
  static final class Clock {
    final CoordinatorHarness h;
    /** Every slot fired, in order: the scheduled instant of each new run accepted. */
    final List<String> fired = new ArrayList<>();
    final Set<String> active = new HashSet<>();
    int maxActive;
    boolean finishRuns = true;
    final List<TaskCommand> held = new ArrayList<>();

    Clock(String start) {
      h = new CoordinatorHarness(CoordinatorOptions.DEFAULT, Instant.parse(start).toEpochMilli());
    }

    void apply(String yaml) throws Exception {
      h.pipe(request(RequestKind.SCHEDULE_APPLY, "nightly", yaml));
      settle();
    }

    void request(RequestKind kind) throws Exception {
      h.pipe(request(kind, "nightly", null));
      settle();
    }

    RunRequest request(RequestKind kind, String name, String yaml) throws Exception {
      RunRequest.Builder b = RunRequest.newBuilder().setKind(kind).setRunId("schedule:" + name)
          .setRequestedAtMs(h.now).setRequester("test");
      if (yaml != null) b.setSpecJson(PipelineSpecs.toJson(PipelineSpecs.parse(yaml)));
      return b.build();
    }

    /** Moves the clock in steps of {@code step} until {@code until}, the coordinator running all along. */
    void runUntil(String until, Duration step) {
      long end = Instant.parse(until).toEpochMilli();
      while (h.now + step.toMillis() <= end) {
        h.advance(step);
        settle();
      }
    }

    /** The coordinator was down for {@code gap}: its punctuator runs once, when it is back. */
    void downFor(Duration gap) {
      h.advance(gap);
      settle();
    }

    /** Reads what the fold published, finishing every run's tasks (unless held), until nothing moves. */
    void settle() {
      for (int round = 0; round < 100; round++) {
        for (RunEvent e : h.drainRunEvents()) {
          if (e.getKind() == RunEventKind.RUN_ACCEPTED && !e.getExisting()) {
            fired.add(e.getParams().get("at"));
            assertThat(e.getStartedBy()).isEqualTo("schedule:nightly");
            active.add(e.getRunId());
          }
          if (e.getKind() == RunEventKind.RUN_FINISHED) active.remove(e.getRunId());
          maxActive = Math.max(maxActive, active.size());
        }
        List<TaskCommand> runs = h.drainRuns();
        if (!finishRuns) {
          held.addAll(runs);
          return;
        }
        runs = new ArrayList<>(runs);
        runs.addAll(held);
        held.clear();
        if (runs.isEmpty()) return;
        runs.forEach(h::succeed);
      }
    }

    ScheduleState schedule() {
      return h.schedule("nightly");
    }
  }

  @Test
  void shouldFireADaily0230JobOnceEachDayAcrossTheSpringForwardChange() throws Exception {
    Clock c = new Clock("2026-03-27T12:00:00Z");
    c.apply(pipeline("30 2 * * *", "Europe/Berlin", true, 1));
    c.runUntil("2026-03-31T12:00:00Z", Duration.ofMinutes(20));
    // 2026-03-29 has no 02:30 in Berlin (02:00 CET -> 03:00 CEST): that day's run is at 03:30 CEST, once.
    assertThat(c.fired).containsExactly("2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z",
        "2026-03-31T00:30:00Z");
    assertThat(c.h.run(ScheduleRuns.runId("nightly", Instant.parse("2026-03-29T01:30:00Z").toEpochMilli()))
        .getParams()).containsEntry("date", "2026-03-29").containsEntry("time", "03:30:00");
    assertReplaysToSameState(c.h);
  }

  @Test
  void shouldFireADaily0230JobOnceOnTheFallBackDay() throws Exception {
    Clock c = new Clock("2026-10-24T12:00:00Z");
    c.apply(pipeline("30 2 * * *", "Europe/Berlin", true, 1));
    // 02:30 happens twice on 2026-10-25 (00:30Z CEST and 01:30Z CET); the clock passes both in 5-minute steps.
    c.runUntil("2026-10-26T12:00:00Z", Duration.ofMinutes(5));
    assertThat(c.fired).containsExactly("2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z");
    assertReplaysToSameState(c.h);
  }

  @Test
  void shouldFireEveryMissedSlotInOrderAfterDowntimeWithCatchupNeverMoreThanMaxActive() throws Exception {
    Clock c = new Clock("2026-12-01T00:30:00Z");
    c.apply(pipeline("0 * * * *", "UTC", true, 2));
    c.runUntil("2026-12-01T01:30:00Z", Duration.ofMinutes(10));
    assertThat(c.fired).containsExactly("2026-12-01T01:00:00Z");
    // Down from 01:30 to 06:35: 02:00 .. 06:00 were missed. Runs are held by their executor for a while.
    c.finishRuns = false;
    c.downFor(Duration.ofMinutes(305));
    assertThat(c.fired).as("two at once, the oldest first").containsExactly("2026-12-01T01:00:00Z",
        "2026-12-01T02:00:00Z", "2026-12-01T03:00:00Z");
    assertThat(c.schedule().getActiveRunIds()).hasSize(2);
    c.finishRuns = true;
    c.settle();
    assertThat(c.fired).containsExactly("2026-12-01T01:00:00Z", "2026-12-01T02:00:00Z", "2026-12-01T03:00:00Z",
        "2026-12-01T04:00:00Z", "2026-12-01T05:00:00Z", "2026-12-01T06:00:00Z");
    assertThat(c.maxActive).isEqualTo(2);
    assertThat(c.schedule().getNextSlotMs()).isEqualTo(Instant.parse("2026-12-01T07:00:00Z").toEpochMilli());
    c.runUntil("2026-12-01T07:30:00Z", Duration.ofMinutes(10));
    assertThat(c.fired).hasSize(7).doesNotHaveDuplicates().last().isEqualTo("2026-12-01T07:00:00Z");
    assertReplaysToSameState(c.h);
  }

  @Test
  void shouldFireOnlyTheLatestMissedSlotWithoutCatchup() throws Exception {
    Clock c = new Clock("2026-12-01T00:30:00Z");
    c.apply(pipeline("0 * * * *", "UTC", false, 1));
    c.runUntil("2026-12-01T01:30:00Z", Duration.ofMinutes(10));
    c.downFor(Duration.ofMinutes(305));
    assertThat(c.fired).containsExactly("2026-12-01T01:00:00Z", "2026-12-01T06:00:00Z");
    c.runUntil("2026-12-01T07:30:00Z", Duration.ofMinutes(10));
    assertThat(c.fired).containsExactly("2026-12-01T01:00:00Z", "2026-12-01T06:00:00Z", "2026-12-01T07:00:00Z");
    assertReplaysToSameState(c.h);
  }

  @Test
  void shouldFireNothingWhilePausedNorTheSlotsItMissedOnceResumedAndNothingOnceDeleted() throws Exception {
    Clock c = new Clock("2026-12-01T00:30:00Z");
    c.apply(pipeline("0 * * * *", "UTC", true, 1));
    c.runUntil("2026-12-01T01:30:00Z", Duration.ofMinutes(10));
    c.request(RequestKind.SCHEDULE_PAUSE);
    assertThat(c.schedule().getPaused()).isTrue();
    c.runUntil("2026-12-01T04:30:00Z", Duration.ofMinutes(10));
    assertThat(c.fired).containsExactly("2026-12-01T01:00:00Z");
    c.request(RequestKind.SCHEDULE_RESUME);
    assertThat(c.schedule().getNextSlotMs()).isEqualTo(Instant.parse("2026-12-01T05:00:00Z").toEpochMilli());
    c.runUntil("2026-12-01T05:30:00Z", Duration.ofMinutes(10));
    assertThat(c.fired).containsExactly("2026-12-01T01:00:00Z", "2026-12-01T05:00:00Z");
    // Deleted while a run of it is active: the run goes on, and nothing else fires.
    c.finishRuns = false;
    c.runUntil("2026-12-01T06:10:00Z", Duration.ofMinutes(10));
    c.request(RequestKind.SCHEDULE_DELETE);
    assertThat(c.schedule()).isNull();
    c.finishRuns = true;
    c.runUntil("2026-12-01T09:00:00Z", Duration.ofMinutes(10));
    assertThat(c.fired).containsExactly("2026-12-01T01:00:00Z", "2026-12-01T05:00:00Z", "2026-12-01T06:00:00Z");
    assertThat(c.h.run(ScheduleRuns.runId("nightly", Instant.parse("2026-12-01T06:00:00Z").toEpochMilli()))
        .getStatus()).isEqualTo("SUCCEEDED");
    assertThat(c.h.dump(CoordinatorTopology.TIMERS_STORE).keySet()).noneMatch(k -> k.contains("SCHEDULE_DUE"));
    assertReplaysToSameState(c.h);
  }

  @Test
  void shouldChangeNothingWhenTheSameDefinitionIsAppliedAgainAndKeepPausedAcrossAChange() throws Exception {
    Clock c = new Clock("2026-12-01T00:30:00Z");
    c.apply(pipeline("0 * * * *", "UTC", true, 1));
    ScheduleState first = c.schedule();
    c.h.advance(Duration.ofMinutes(5));
    c.apply(pipeline("0 * * * *", "UTC", true, 1));
    assertThat(c.schedule()).isEqualTo(first);
    c.request(RequestKind.SCHEDULE_PAUSE);
    c.apply(pipeline("*/30 * * * *", "UTC", true, 1));
    assertThat(c.schedule().getCron()).isEqualTo("*/30 * * * *");
    assertThat(c.schedule().getPaused()).isTrue();
    assertThat(c.schedule().getNextSlotMs()).isEqualTo(Instant.parse("2026-12-01T01:00:00Z").toEpochMilli());
  }

  @Test
  void shouldDeadLetterABadScheduleOnceAndKeepGoing() throws Exception {
    Clock c = new Clock("2026-12-01T00:30:00Z");
    c.apply(pipeline("0 * * * *", "UTC", true, 1));
    c.h.pipe(c.request(RequestKind.SCHEDULE_APPLY, "nightly", pipeline("0 25 * * *", "Mars/Olympus", true, 1)));
    c.h.pipe(c.request(RequestKind.SCHEDULE_PAUSE, "weekly", null));
    c.h.pipe(c.request(RequestKind.SCHEDULE_APPLY, "other", pipeline("0 * * * *", "UTC", true, 1)));
    List<String> reasons = c.h.deadLetters.readRecordsToList().stream().map(r -> new String(
        r.headers().lastHeader(dev.weft.topics.DeadLetterHeaders.REASON).value())).toList();
    assertThat(reasons).hasSize(3);
    assertThat(reasons.get(0)).startsWith("schedule 'nightly' rejected: invalid pipeline spec:")
        .contains("schedule.cron:").contains("schedule.timezone: unknown time zone 'Mars/Olympus'");
    assertThat(reasons.get(1)).contains("unknown schedule 'weekly'");
    assertThat(reasons.get(2)).contains("the request is for schedule 'other' but the pipeline is named 'nightly'");
    // The schedule held is unchanged and fires.
    assertThat(c.schedule().getCron()).isEqualTo("0 * * * *");
    c.runUntil("2026-12-01T01:30:00Z", Duration.ofMinutes(10));
    assertThat(c.fired).containsExactly("2026-12-01T01:00:00Z");
  }

  @Test
  void shouldStartOneRunWhenASlotIsFiredTwice() throws Exception {
    Clock c = new Clock("2026-12-01T00:30:00Z");
    c.apply(pipeline("0 * * * *", "UTC", true, 1));
    c.finishRuns = false;
    c.runUntil("2026-12-01T01:10:00Z", Duration.ofMinutes(10));
    assertThat(c.fired).hasSize(1);
    // The SUBMIT of that slot published again (a producer retrying, a crash between deciding and committing).
    RunRequest again = (RunRequest) c.h.folded.stream()
        .filter(o -> o instanceof RunRequest r && r.getKind() == RequestKind.SUBMIT).findFirst().orElseThrow();
    c.h.pipe(again);
    c.settle();
    assertThat(c.fired).hasSize(1);
    assertThat(c.schedule().getActiveRunIds()).hasSize(1);
  }

  /** Folds everything the coordinator folded, in its order, into empty stores: the stores come out the same. */
  static void assertReplaysToSameState(CoordinatorHarness h) {
    List<SpecificRecord> log = List.copyOf(h.folded);
    Map<String, Map<String, String>> expected = new java.util.TreeMap<>();
    for (String store : STORES) expected.put(store, h.dump(store));
    h.close();
    long requests = log.stream().filter(o -> o instanceof RunRequest).count();
    CatchUp catchUp = CatchUp.until(Map.of(CoordinatorHarness.TOPICS.requests() + ":0", requests,
        CoordinatorHarness.TOPICS.taskEvents() + ":0", log.size() - requests));
    try (CoordinatorHarness replay = new CoordinatorHarness(CoordinatorOptions.DEFAULT.withCatchUp(catchUp))) {
      replay.refold(log);
      assertThat(replay.drainCommands()).isEmpty();
      for (String store : STORES) assertThat(replay.dump(store)).as(store).isEqualTo(expected.get(store));
    }
  }
}
