package dev.weft.coordinator.apply;

import dev.weft.coordinator.event.CoordinatorEvent;
import dev.weft.coordinator.event.CoordinatorEvent.BackfillAccepted;
import dev.weft.coordinator.event.CoordinatorEvent.BackfillFinished;
import dev.weft.coordinator.event.CoordinatorEvent.BackfillRunEnded;
import dev.weft.coordinator.event.CoordinatorEvent.BackfillRunStarted;
import dev.weft.coordinator.state.BackfillState;
import dev.weft.coordinator.state.MutableCoordinatorState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;

/**
 * Applies backfill events, for {@link EventApplier}. A backfill is rebuilt as a new object on every change (Avro's
 * deep copy, with its lists copied), never changed in place: the stored one may be shared with the stores' cache and
 * a decision that fails must leave it as it was. A backfill changes a few times per run it starts, so the copy is
 * cheap next to the run.
 */
final class BackfillApplier {
  static final String PENDING = "PENDING";
  static final String RUNNING = "RUNNING";
  private final MutableCoordinatorState state;

  BackfillApplier(MutableCoordinatorState state) {
    this.state = state;
  }

  /** @return whether the event is a backfill event (and was applied) */
  boolean apply(CoordinatorEvent event) {
    if (event instanceof BackfillAccepted e) accepted(e);
    else if (event instanceof BackfillRunStarted e) runStarted(e);
    else if (event instanceof BackfillRunEnded e) runEnded(e);
    else if (event instanceof BackfillFinished e) finished(e);
    else return false;
    return true;
  }

  private void accepted(BackfillAccepted e) {
    state.putBackfill(BackfillState.newBuilder()
        .setBackfillId(e.backfillId())
        .setPipeline(e.pipeline())
        .setSpecJson(e.specJson())
        .setParams(new HashMap<>(e.params()))
        .setParam(e.param())
        .setValues(new ArrayList<>(e.values()))
        .setRunIds(new ArrayList<>(e.runIds()))
        .setRunStatuses(new ArrayList<>(Collections.nCopies(e.values().size(), PENDING)))
        .setMaxActiveRuns(e.maxActiveRuns())
        .setPriority(e.priority())
        .setRequester(e.requester())
        .setStatus(RUNNING)
        .setAcceptedAtMs(e.atMs())
        .build());
  }

  private void runStarted(BackfillRunStarted e) {
    BackfillState b = copy(e.backfillId());
    setStatus(b, e.index(), RUNNING);
    b.setNextIndex(Math.max(b.getNextIndex(), e.index() + 1));
    b.setActive(b.getActive() + 1);
    state.putBackfill(b);
  }

  private void runEnded(BackfillRunEnded e) {
    BackfillState b = copy(e.backfillId());
    setStatus(b, e.index(), e.status());
    b.setActive(b.getActive() - 1);
    state.putBackfill(b);
  }

  private void finished(BackfillFinished e) {
    BackfillState b = copy(e.backfillId());
    b.setStatus(e.status());
    b.setFinishedAtMs(e.atMs());
    state.putBackfill(b);
  }

  private static void setStatus(BackfillState b, int index, String status) {
    List<String> statuses = new ArrayList<>(b.getRunStatuses());
    statuses.set(index, status);
    b.setRunStatuses(statuses);
  }

  private BackfillState copy(String backfillId) {
    BackfillState b = state.backfill(backfillId);
    if (b == null) throw new IllegalStateException("no backfill " + backfillId + ": a decider applied an event for it");
    return BackfillState.newBuilder(b).build();
  }
}
