package dev.weft.coordinator.decide;

import dev.weft.avro.RequestKind;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.event.CoordinatorEvent.ScheduleApplied;
import dev.weft.coordinator.event.CoordinatorEvent.ScheduleDeleted;
import dev.weft.coordinator.event.CoordinatorEvent.ScheduleFired;
import dev.weft.coordinator.event.CoordinatorEvent.SchedulePaused;
import dev.weft.coordinator.event.CoordinatorEvent.ScheduleResumed;
import dev.weft.coordinator.event.CoordinatorEvent.ScheduleRunEnded;
import dev.weft.coordinator.event.CoordinatorEvent.ScheduleWaitsForRuns;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.ScheduleState;
import dev.weft.coordinator.state.StateKeys;
import dev.weft.spec.CronSchedule;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import dev.weft.spec.ScheduleSpec;
import dev.weft.spec.SpecException;
import java.time.Instant;

/**
 * Decides on schedules: a pipeline run at each slot of a cron expression, at most {@code maxActiveRuns} at once.
 *
 * <p>Time comes only from the log. The punctuator notices that a schedule's timer (its next slot) is due and writes a
 * SCHEDULE_DUE task event with the time it noticed; folding that event decides which slots fire, from the event's
 * time and the schedule's state, and records {@code ScheduleFired} per slot together with the slot's SUBMIT. A run's
 * end comes back as CHILD_RUN_FINISHED (keyed by the schedule, as for a backfill) and fires what was waiting for it,
 * with that notice's time. A replay therefore fires the same slots, into the same runs, without a clock.
 *
 * <p>After downtime (the coordinator down, or its timer late) every slot since the last one fired is due: with
 * {@code catchup} each fires, oldest first, as {@code maxActiveRuns} allows (the rest as runs end); without it only
 * the latest fires. Each slot's run id comes from its idempotency key {@code schedule/NAME/<slot instant>}, so a slot
 * fired twice (the same SUBMIT published again) is one run.
 */
public final class ScheduleDecider {
  private final CoordinatorState state;
  private final DeciderSettings settings;

  public ScheduleDecider(CoordinatorState state, DeciderSettings settings) {
    this.state = state;
    this.settings = settings;
  }

  /** SCHEDULE_APPLY, SCHEDULE_PAUSE, SCHEDULE_RESUME or SCHEDULE_DELETE, keyed {@code schedule:NAME}. */
  public void decide(RunRequest r, Decisions d) {
    String name = StateKeys.scheduleName(r.getRunId());
    if (name == null) {
      d.ignored("schedule request not keyed by a schedule", r);
      d.deadLetter(r.getKind() + " request keyed '" + r.getRunId() + "': a schedule's requests are keyed "
          + StateKeys.SCHEDULE_KEY_PREFIX + "NAME, NAME being the pipeline's");
      return;
    }
    if (r.getKind() == RequestKind.SCHEDULE_APPLY) {
      apply(name, r, d);
      return;
    }
    ScheduleState s = state.schedule(name);
    if (s == null) {
      d.ignored(r.getKind() + " for unknown schedule", r);
      d.deadLetter(r.getKind() + " for unknown schedule '" + name + "': it was never applied, or was deleted");
      return;
    }
    long at = r.getRequestedAtMs();
    switch (r.getKind()) {
      case SCHEDULE_PAUSE -> {
        if (s.getPaused()) d.ignored("SCHEDULE_PAUSE for a paused schedule", r);
        else d.record(new SchedulePaused(name, at));
      }
      case SCHEDULE_RESUME -> {
        if (!s.getPaused()) {
          d.ignored("SCHEDULE_RESUME for a schedule that is not paused", r);
          return;
        }
        // The slots that passed while it was paused are not fired: pausing said not to run them (weft backfill can).
        long from = Math.max(at, s.getLastFiredSlotMs());
        d.record(new ScheduleResumed(name, cron(s).nextAfter(Instant.ofEpochMilli(from)).toEpochMilli(), at));
      }
      case SCHEDULE_DELETE -> d.record(new ScheduleDeleted(name, at));
      default -> throw new IllegalArgumentException("not a schedule request: " + r.getKind());
    }
  }

  private void apply(String name, RunRequest r, Decisions d) {
    ScheduleState existing = state.schedule(name);
    long at = r.getRequestedAtMs();
    PipelineSpec spec;
    CronSchedule cron;
    long first;
    try {
      spec = PipelineSpecs.parse(r.getSpecJson(), settings.limits());
      if (spec.schedule() == null) {
        throw new SpecException("schedule", "the pipeline has no schedule: block; add one, e.g. schedule: {cron: "
            + "\"0 2 * * *\", timezone: Europe/Berlin}");
      }
      if (!name.equals(spec.pipeline())) {
        throw new SpecException("pipeline", "the request is for schedule '" + name + "' but the pipeline is named '"
            + spec.pipeline() + "'; a schedule is named after its pipeline");
      }
      cron = CronSchedule.of(spec.schedule());
      // A new schedule starts after it was applied; a changed one after its last slot too, so no slot fires twice.
      long from = Math.max(at, existing == null ? 0 : existing.getLastFiredSlotMs());
      first = cron.nextAfter(Instant.ofEpochMilli(from)).toEpochMilli();
      // Every run is checked again when its SUBMIT is folded; this finds a pipeline no slot could run, now.
      PipelineSpecs.resolve(spec, cron.params(Instant.ofEpochMilli(first)), settings.limits());
    } catch (SpecException e) {
      d.ignored("invalid SCHEDULE_APPLY", r);
      d.deadLetter("schedule '" + name + "' rejected: invalid pipeline spec:\n" + e.getMessage());
      return;
    }
    String hash = SpecHashes.of(r.getSpecJson());
    if (existing != null && hash.equals(existing.getSpecHash())) {
      d.ignored("SCHEDULE_APPLY with the definition the schedule has: nothing changes", r);
      return;
    }
    ScheduleSpec s = spec.schedule();
    d.record(new ScheduleApplied(name, r.getSpecJson(), hash, s.cron().trim(), cron.zone().getId(),
        s.catchupOrDefault(), s.maxActiveRunsOrDefault(), s.params(), first, r.getRequester(), at));
  }

  /** The punctuator found the schedule's next slot due at {@code e.atMs}: fire what is due. */
  public void due(TaskEvent e, Decisions d) {
    String name = StateKeys.scheduleName(e.getRunId());
    ScheduleState s = name == null ? null : state.schedule(name);
    if (s == null) {
      // Written by the coordinator itself: the schedule was deleted after the timer fired.
      d.ignored("SCHEDULE_DUE for no schedule held", e);
      return;
    }
    if (s.getPaused()) {
      d.ignored("SCHEDULE_DUE for a paused schedule", e);
      return;
    }
    if (s.getNextSlotMs() > e.getAtMs()) {
      d.ignored("SCHEDULE_DUE before the schedule's next slot (it was applied or resumed since)", e);
      return;
    }
    fireDue(name, e.getAtMs(), d);
  }

  /** A run this schedule started ended: it no longer counts against maxActiveRuns, and what waited may fire. */
  public void runFinished(TaskEvent e, Decisions d) {
    String name = StateKeys.scheduleName(e.getRunId());
    ScheduleState s = name == null ? null : state.schedule(name);
    if (s == null || !s.getActiveRunIds().contains(e.getTaskId())) {
      d.ignored("CHILD_RUN_FINISHED for a run no schedule waits for", e);
      return;
    }
    d.record(new ScheduleRunEnded(name, e.getTaskId(), e.getReason() == null ? "UNKNOWN" : e.getReason()));
    if (!s.getPaused()) fireDue(name, e.getAtMs(), d);
  }

  /** Fires the slots due by {@code atMs} while fewer than maxActiveRuns run (only the latest without catchup). */
  private void fireDue(String name, long atMs, Decisions d) {
    ScheduleState s = state.schedule(name);
    CronSchedule cron = cron(s);
    while (s.getNextSlotMs() <= atMs && s.getActiveRunIds().size() < s.getMaxActiveRuns()) {
      long slot = s.getNextSlotMs();
      if (!s.getCatchup()) {
        slot = Math.max(slot, cron.latestAtOrBefore(Instant.ofEpochMilli(atMs)).map(Instant::toEpochMilli).orElse(slot));
      }
      long next = cron.nextAfter(Instant.ofEpochMilli(slot)).toEpochMilli();
      String runId = ScheduleRuns.runId(name, slot);
      d.record(new ScheduleFired(name, slot, runId, next, atMs));
      d.request(RunRequest.newBuilder().setKind(RequestKind.SUBMIT).setRunId(runId).setRequestedAtMs(atMs)
          .setRequester("schedule " + name).setIdempotencyKey(ScheduleRuns.idempotencyKey(name, slot))
          .setSpecJson(s.getSpecJson()).setParams(cron.params(Instant.ofEpochMilli(slot)))
          .setStartedBy(StateKeys.scheduleKey(name)).build());
      s = state.schedule(name);
    }
    // Due but held back by its active runs: the next run's end fires it, so its timer is not needed.
    if (s.getNextSlotMs() <= atMs) d.record(new ScheduleWaitsForRuns(name, atMs));
  }

  /** The slots of a stored schedule, which was valid when applied. */
  static CronSchedule cron(ScheduleState s) {
    try {
      return CronSchedule.of(new ScheduleSpec(s.getCron(), s.getTimezone(), s.getCatchup(), s.getMaxActiveRuns(),
          s.getParams()));
    } catch (SpecException e) {
      throw new IllegalStateException("schedule " + s.getName() + " was stored invalid: " + e.getMessage(), e);
    }
  }
}
