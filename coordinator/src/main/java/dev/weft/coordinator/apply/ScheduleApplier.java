package dev.weft.coordinator.apply;

import dev.weft.coordinator.event.CoordinatorEvent;
import dev.weft.coordinator.event.CoordinatorEvent.ScheduleApplied;
import dev.weft.coordinator.event.CoordinatorEvent.ScheduleDeleted;
import dev.weft.coordinator.event.CoordinatorEvent.ScheduleFired;
import dev.weft.coordinator.event.CoordinatorEvent.SchedulePaused;
import dev.weft.coordinator.event.CoordinatorEvent.ScheduleResumed;
import dev.weft.coordinator.event.CoordinatorEvent.ScheduleRunEnded;
import dev.weft.coordinator.event.CoordinatorEvent.ScheduleWaitsForRuns;
import dev.weft.coordinator.state.MutableCoordinatorState;
import dev.weft.coordinator.state.ScheduleState;
import dev.weft.coordinator.state.StateKeys;
import dev.weft.coordinator.state.TimerEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * Applies schedule events, for {@link EventApplier}. A schedule that is not paused has exactly one timer, a
 * SCHEDULE_DUE at its {@code nextSlotMs}, in the time-ordered timers store; each event that moves the next slot moves
 * the timer with it, so the punctuator reads only what is due and never the schedules. A timer is deleted here too
 * when the punctuator already did ({@code TimerFired}): a replay folds the written-back SCHEDULE_DUE without firing
 * anything, and must end with the same timers. Like a backfill, a schedule is replaced by a new object on each change.
 */
final class ScheduleApplier {
  static final String TIMER_KIND = "SCHEDULE_DUE";
  private final MutableCoordinatorState state;

  ScheduleApplier(MutableCoordinatorState state) {
    this.state = state;
  }

  /** @return whether the event is a schedule event (and was applied) */
  boolean apply(CoordinatorEvent event) {
    if (event instanceof ScheduleApplied e) applied(e);
    else if (event instanceof SchedulePaused e) paused(e);
    else if (event instanceof ScheduleResumed e) resumed(e);
    else if (event instanceof ScheduleDeleted e) deleted(e);
    else if (event instanceof ScheduleFired e) fired(e);
    else if (event instanceof ScheduleWaitsForRuns e) state.deleteTimer(timer(existing(e.name())));
    else if (event instanceof ScheduleRunEnded e) runEnded(e);
    else return false;
    return true;
  }

  private void applied(ScheduleApplied e) {
    ScheduleState old = state.schedule(e.name());
    if (old != null) state.deleteTimer(timer(old));
    ScheduleState s = ScheduleState.newBuilder()
        .setName(e.name())
        .setSpecJson(e.specJson())
        .setSpecHash(e.specHash())
        .setCron(e.cron())
        .setTimezone(e.timezone())
        .setCatchup(e.catchup())
        .setMaxActiveRuns(e.maxActiveRuns())
        .setParams(new HashMap<>(e.params()))
        .setPaused(old != null && old.getPaused())
        .setNextSlotMs(e.nextSlotMs())
        .setLastFiredSlotMs(old == null ? 0 : old.getLastFiredSlotMs())
        .setActiveRunIds(old == null ? new ArrayList<>() : new ArrayList<>(old.getActiveRunIds()))
        .setRunsStarted(old == null ? 0 : old.getRunsStarted())
        .setRequester(e.requester())
        .setAppliedAtMs(e.atMs())
        .build();
    put(s);
  }

  private void paused(SchedulePaused e) {
    ScheduleState s = copy(e.name());
    state.deleteTimer(timer(s));
    s.setPaused(true);
    state.putSchedule(s);
  }

  private void resumed(ScheduleResumed e) {
    ScheduleState s = copy(e.name());
    s.setPaused(false);
    s.setNextSlotMs(e.nextSlotMs());
    put(s);
  }

  private void deleted(ScheduleDeleted e) {
    state.deleteTimer(timer(existing(e.name())));
    state.deleteSchedule(e.name());
  }

  private void fired(ScheduleFired e) {
    ScheduleState s = copy(e.name());
    state.deleteTimer(timer(s));
    s.setLastFiredSlotMs(e.slotMs());
    s.setNextSlotMs(e.nextSlotMs());
    List<String> active = new ArrayList<>(s.getActiveRunIds());
    if (!active.contains(e.startedRunId())) active.add(e.startedRunId());
    s.setActiveRunIds(active);
    s.setRunsStarted(s.getRunsStarted() + 1);
    put(s);
  }

  private void runEnded(ScheduleRunEnded e) {
    ScheduleState s = copy(e.name());
    List<String> active = new ArrayList<>(s.getActiveRunIds());
    active.remove(e.endedRunId());
    s.setActiveRunIds(active);
    state.putSchedule(s);
  }

  /** Puts the schedule and, unless it is paused, its timer at its next slot. */
  private void put(ScheduleState s) {
    state.putSchedule(s);
    if (!s.getPaused()) state.putTimer(timer(s));
  }

  private static TimerEntry timer(ScheduleState s) {
    return new TimerEntry(TIMER_KIND, StateKeys.scheduleKey(s.getName()), "", 0, s.getNextSlotMs());
  }

  private ScheduleState existing(String name) {
    ScheduleState s = state.schedule(name);
    if (s == null) throw new IllegalStateException("no schedule " + name + ": a decider applied an event for it");
    return s;
  }

  private ScheduleState copy(String name) {
    return ScheduleState.newBuilder(existing(name)).build();
  }
}
