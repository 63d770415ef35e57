package dev.weft.coordinator.decide;

import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.coordinator.event.CoordinatorEvent.TimerFired;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.TimerEntry;

/**
 * The only place wall-clock time enters: due timers become task events written to the log. The decision itself
 * (retry now, attempt timed out, attempt lost, queue timed out, finished run expired) is taken when that event is folded, so a replay takes it again from
 * the log, with the same time, and never from a clock.
 */
public final class TimerDecider {
  /** The {@code source} of the task events the coordinator writes for its own timers. */
  public static final String SOURCE = "coordinator";

  private final CoordinatorState state;

  public TimerDecider(CoordinatorState state) {
    this.state = state;
  }

  /** @return how many timers fired */
  public int fire(long nowMs, int max, Decisions d) {
    int fired = 0;
    for (TimerEntry timer : state.dueTimers(nowMs, max)) {
      d.record(new TimerFired(timer));
      d.taskEvent(TaskEvent.newBuilder()
          .setKind(TaskEventKind.valueOf(timer.getKind()))
          .setRunId(timer.getRunId())
          .setTaskId(timer.getTaskId())
          .setAttempt(timer.getAttempt())
          .setAtMs(nowMs)
          .setSource(SOURCE)
          .build());
      fired++;
    }
    return fired;
  }
}
