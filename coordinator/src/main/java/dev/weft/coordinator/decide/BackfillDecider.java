package dev.weft.coordinator.decide;

import dev.weft.avro.BackfillRange;
import dev.weft.avro.RequestKind;
import dev.weft.avro.RunRequest;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.event.CoordinatorEvent.BackfillAccepted;
import dev.weft.coordinator.event.CoordinatorEvent.BackfillFinished;
import dev.weft.coordinator.event.CoordinatorEvent.BackfillRunEnded;
import dev.weft.coordinator.event.CoordinatorEvent.BackfillRunStarted;
import dev.weft.coordinator.state.BackfillState;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import dev.weft.spec.SpecException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Decides on backfills: one request on the log (BACKFILL, keyed by the backfill's id) for one run per value of a
 * parameter, at most {@code maxActiveRuns} at once. The backfill sends each run's SUBMIT itself, in the transaction
 * that records it started, and starts the next when a run's end reaches it (CHILD_RUN_FINISHED, written by the
 * coordinator that holds the run, in the transaction that finished it). So neither a restarted CLI nor a restarted
 * coordinator loses or repeats a value: the state says which values started, and the log carries every notice.
 *
 * <p>Each run's id comes from its idempotency key, {@code backfill/<param>=<value>} under the pipeline's name, the
 * way {@code weft submit --idempotency-key} derives one: a value already run (and still held) is not run again, and
 * a backfill issued twice (the same id) is the same backfill.
 */
public final class BackfillDecider {
  static final int MAX_VALUES = 10_000;
  static final String RUNNING = "RUNNING";
  private final CoordinatorState state;
  private final DeciderSettings settings;

  public BackfillDecider(CoordinatorState state, DeciderSettings settings) {
    this.state = state;
    this.settings = settings;
  }

  public void decide(RunRequest r, Decisions d) {
    if (r.getKind() == RequestKind.BACKFILL_CANCEL) cancel(r, d);
    else create(r, d);
  }

  private void create(RunRequest r, Decisions d) {
    String id = r.getRunId();
    if (state.backfill(id) != null) {
      d.ignored("BACKFILL for a backfill that exists: it goes on where it is", r);
      return;
    }
    BackfillRange range = r.getBackfill();
    String problem = null;
    String pipeline = null;
    if (range == null || range.getValues().isEmpty()) problem = "a BACKFILL needs a range with at least one value";
    else if (range.getValues().size() > MAX_VALUES) problem = range.getValues().size() + " values; the limit is " + MAX_VALUES;
    else if (range.getMaxActiveRuns() < 1) problem = "maxActiveRuns must be 1 or more, was " + range.getMaxActiveRuns();
    else if (new HashSet<>(range.getValues()).size() != range.getValues().size()) problem = "the range has a value twice";
    else {
      try {
        // Each run is checked again when its SUBMIT is folded; a run rejected then counts as a failed value.
        PipelineSpec spec = PipelineSpecs.parse(r.getSpecJson(), settings.limits());
        Map<String, String> params = new HashMap<>(r.getParams());
        params.put(range.getParam(), range.getValues().get(0));
        pipeline = PipelineSpecs.resolve(spec, params, settings.limits()).name();
      } catch (SpecException e) {
        problem = "invalid pipeline spec:\n" + e.getMessage();
      }
    }
    if (problem != null) {
      d.ignored("invalid BACKFILL", r);
      d.deadLetter("backfill '" + id + "' rejected: " + problem);
      return;
    }
    List<String> runIds = new ArrayList<>();
    for (String value : range.getValues()) runIds.add(BackfillRuns.runId(pipeline, idempotencyKey(range.getParam(), value)));
    d.record(new BackfillAccepted(id, pipeline, r.getSpecJson(), r.getParams(), range.getParam(), range.getValues(),
        runIds, range.getMaxActiveRuns(), range.getPriority(), r.getRequester(), r.getRequestedAtMs()));
    startWhatFits(id, r.getRequestedAtMs(), d);
  }

  private void cancel(RunRequest r, Decisions d) {
    BackfillState b = state.backfill(r.getRunId());
    if (b == null) {
      d.ignored("cancel for unknown backfill", r);
      d.deadLetter("cancel for unknown backfill '" + r.getRunId() + "'");
      return;
    }
    if (!RUNNING.equals(b.getStatus())) {
      d.ignored("cancel for a finished backfill", r);
      return;
    }
    d.record(new BackfillFinished(b.getBackfillId(), RunStatus.CANCELLED.name(), r.getRequestedAtMs()));
    String reason = "backfill " + b.getBackfillId() + " cancelled"
        + (r.getRequester().isEmpty() ? "" : " by " + r.getRequester());
    for (int i = 0; i < b.getValues().size(); i++) {
      if (!RUNNING.equals(b.getRunStatuses().get(i))) continue;
      d.request(RunRequest.newBuilder().setKind(RequestKind.CANCEL).setRunId(b.getRunIds().get(i))
          .setRequestedAtMs(r.getRequestedAtMs()).setRequester(r.getRequester()).setReason(reason).build());
    }
  }

  /** A run this backfill started (or watches) ended: note it and start the next values that fit. */
  public void runFinished(TaskEvent e, Decisions d) {
    BackfillState b = state.backfill(e.getRunId());
    if (b == null) {
      d.ignored("CHILD_RUN_FINISHED for no backfill held", e);
      return;
    }
    int index = b.getRunIds().indexOf(e.getTaskId());
    if (index < 0 || !RUNNING.equals(b.getRunStatuses().get(index))) {
      d.ignored("CHILD_RUN_FINISHED for a run the backfill does not wait for", e);
      return;
    }
    d.record(new BackfillRunEnded(b.getBackfillId(), index, e.getReason() == null ? "UNKNOWN" : e.getReason()));
    startWhatFits(b.getBackfillId(), e.getAtMs(), d);
  }

  /** Starts values in order while fewer than maxActiveRuns run; finishes the backfill when the last run ended. */
  private void startWhatFits(String id, long atMs, Decisions d) {
    BackfillState b = state.backfill(id);
    if (!RUNNING.equals(b.getStatus())) return;
    while (b.getActive() < b.getMaxActiveRuns() && b.getNextIndex() < b.getValues().size()) {
      int i = b.getNextIndex();
      d.record(new BackfillRunStarted(id, i, atMs));
      Map<String, String> params = new HashMap<>(b.getParams());
      params.put(b.getParam(), b.getValues().get(i));
      d.request(RunRequest.newBuilder().setKind(RequestKind.SUBMIT).setRunId(b.getRunIds().get(i))
          .setRequestedAtMs(atMs).setRequester("backfill " + id)
          .setIdempotencyKey(idempotencyKey(b.getParam(), b.getValues().get(i))).setSpecJson(b.getSpecJson())
          .setParams(params).setStartedBy(id).build());
      b = state.backfill(id);
    }
    if (b.getActive() == 0 && b.getNextIndex() >= b.getValues().size()) {
      boolean allSucceeded = b.getRunStatuses().stream().allMatch(RunStatus.SUCCEEDED.name()::equals);
      d.record(new BackfillFinished(id, allSucceeded ? RunStatus.SUCCEEDED.name() : RunStatus.FAILED.name(), atMs));
    }
  }

  static String idempotencyKey(String param, String value) {
    return "backfill/" + param + "=" + value;
  }
}
