package dev.weft.coordinator.decide;

import dev.weft.avro.RequestKind;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.StateKeys;
import org.apache.avro.specific.SpecificRecord;

/**
 * The production {@link FoldDecider}: reruns to {@link RerunDecider}, backfills and the notices of their runs' ends to
 * {@link BackfillDecider}, schedules, their due slots and their runs' ends to {@link ScheduleDecider}, other requests to {@link RunRequestDecider}, a run's expiry to {@link RunExpiryDecider},
 * the next slice of a task mapped over a count to {@link MappedTaskBehavior}, a run's queue timer for one executor
 * group to {@link QueueTimerDecider}, other task events to
 * {@link TaskEventDecider}.
 */
final class CoordinatorDeciders implements FoldDecider {
  private final RunRequestDecider requests;
  private final TaskEventDecider taskEvents;
  private final RunExpiryDecider expiry;
  private final TimerDecider timers;
  private final RerunDecider reruns;
  private final BackfillDecider backfills;
  private final ScheduleDecider schedules;
  private final NotBeforeDecider notBefore;
  private final QueueTimerDecider queueTimers;
  private final TaskOutcomeBehavior outcomes;

  CoordinatorDeciders(CoordinatorState state, DeciderSettings settings) {
    this.requests = new RunRequestDecider(state, settings);
    this.taskEvents = new TaskEventDecider(state, settings);
    this.expiry = new RunExpiryDecider(state, settings);
    this.timers = new TimerDecider(state);
    this.reruns = new RerunDecider(state, settings);
    this.backfills = new BackfillDecider(state, settings);
    this.schedules = new ScheduleDecider(state, settings);
    this.notBefore = new NotBeforeDecider(state, settings);
    this.queueTimers = new QueueTimerDecider(state, settings);
    this.outcomes = new TaskOutcomeBehavior(state, settings);
  }

  @Override
  public void decide(SpecificRecord input, Decisions d) {
    if (input instanceof RunRequest r && r.getKind() == RequestKind.RERUN) reruns.decide(r, d);
    else if (input instanceof RunRequest r
        && (r.getKind() == RequestKind.BACKFILL || r.getKind() == RequestKind.BACKFILL_CANCEL)) backfills.decide(r, d);
    else if (input instanceof RunRequest r && isScheduleRequest(r.getKind())) schedules.decide(r, d);
    else if (input instanceof RunRequest r) requests.decide(r, d);
    else if (input instanceof TaskEvent e && e.getKind() == TaskEventKind.CHILD_RUN_FINISHED
        && StateKeys.scheduleName(e.getRunId()) != null) schedules.runFinished(e, d);
    else if (input instanceof TaskEvent e && e.getKind() == TaskEventKind.CHILD_RUN_FINISHED) backfills.runFinished(e, d);
    else if (input instanceof TaskEvent e && e.getKind() == TaskEventKind.SCHEDULE_DUE) schedules.due(e, d);
    else if (input instanceof TaskEvent e && e.getKind() == TaskEventKind.NOT_BEFORE_REACHED) notBefore.decide(e, d);
    else if (input instanceof TaskEvent e && e.getKind() == TaskEventKind.MAP_SLICE_DUE) outcomes.nextMapSlice(e, d);
    else if (input instanceof TaskEvent e && e.getKind() == TaskEventKind.RUN_EXPIRED) expiry.decide(e, d);
    else if (input instanceof TaskEvent e && e.getKind() == TaskEventKind.QUEUE_TIMER_DUE) queueTimers.decide(e, d);
    else if (input instanceof TaskEvent e) taskEvents.decide(e, d);
    else throw new IllegalArgumentException("the fold has no decider for " + input.getClass().getSimpleName());
  }

  private static boolean isScheduleRequest(RequestKind k) {
    return k == RequestKind.SCHEDULE_APPLY || k == RequestKind.SCHEDULE_PAUSE || k == RequestKind.SCHEDULE_RESUME
        || k == RequestKind.SCHEDULE_DELETE;
  }

  @Override
  public int fireTimers(long nowMs, int max, Decisions d) {
    return timers.fire(nowMs, max, d);
  }
}
