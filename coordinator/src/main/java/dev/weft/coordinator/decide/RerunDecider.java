package dev.weft.coordinator.decide;

import dev.weft.avro.RequestKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunRequest;
import dev.weft.avro.RunStatus;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.RunSpec;
import dev.weft.coordinator.state.RunState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Objects;

/**
 * Decides on a RERUN request. It is keyed by the run it reruns, so it reaches the coordinator that holds that run,
 * its spec, parameters and task outcomes: this decider picks the tasks to run again ({@link RerunSelection}) and
 * sends the new run's SUBMIT (keyed by the new run id) with the spec, the parameters, {@code rerunOf} and the tasks
 * carried over. The new run is then accepted like any other, wherever its id lands. A run the coordinator no longer
 * holds (never accepted, or expired after its retention) cannot be rerun from here: the new run is rejected, saying
 * so; its spec is still in the file it came from.
 */
public final class RerunDecider {
  private final CoordinatorState state;
  private final DeciderSettings settings;

  public RerunDecider(CoordinatorState state, DeciderSettings settings) {
    this.state = state;
    this.settings = settings;
  }

  public void decide(RunRequest r, Decisions d) {
    String newRunId = r.getNewRunId();
    if (newRunId == null || newRunId.isBlank() || newRunId.equals(r.getRunId())) {
      d.ignored("RERUN without a new run id", r);
      d.deadLetter("RERUN of run '" + r.getRunId() + "' names no new run id (newRunId), or the run's own");
      return;
    }
    RunState run = state.run(r.getRunId());
    if (run == null) {
      reject(r, null, "cannot rerun run '" + r.getRunId() + "': the coordinator does not hold it (it was never "
          + "accepted, or it finished and expired " + TaskEventDecider.retention(settings) + "); submit its "
          + "pipeline file again with `weft submit`", d);
      return;
    }
    RunStatus status = RunStatus.valueOf(run.getStatus());
    if (status == RunStatus.RUNNING || status == RunStatus.CANCELLING) {
      reject(r, run, "cannot rerun run '" + r.getRunId() + "' while it is " + status + "; wait for it to finish, "
          + "or cancel it first", d);
      return;
    }
    RunSpec spec = state.runSpec(r.getRunId());
    if (spec == null) {
      reject(r, run, "cannot rerun run '" + r.getRunId() + "': it was accepted before the coordinator kept each "
          + "run's spec (2026-12-01); submit its pipeline file again with `weft submit`", d);
      return;
    }
    RerunSelection.Result selection = RerunSelection.select(state.tasksOf(r.getRunId()), r.getRerunFailed(),
        r.getRerunFrom(), r.getRerunTasks());
    if (!selection.problems().isEmpty()) {
      reject(r, run, "cannot rerun run '" + r.getRunId() + "':\n" + String.join("\n", selection.problems()), d);
      return;
    }
    d.request(RunRequest.newBuilder().setKind(RequestKind.SUBMIT).setRunId(newRunId)
        .setRequestedAtMs(r.getRequestedAtMs()).setRequester(r.getRequester())
        .setIdempotencyKey(r.getIdempotencyKey()).setSpecJson(spec.getSpecJson())
        .setParams(new HashMap<>(run.getParams())).setRerunOf(run.getRunId())
        .setCarriedOver(new ArrayList<>(selection.carriedOver())).build());
  }

  /** The new run is rejected: its RUN_REJECTED (keyed by the new run id, which the requester follows). */
  private static void reject(RunRequest r, RunState run, String reason, Decisions d) {
    d.runEvent(RunEvent.newBuilder().setKind(RunEventKind.RUN_REJECTED).setRunId(r.getNewRunId())
        .setAtMs(r.getRequestedAtMs()).setReason(reason).setRunStatus(RunStatus.REJECTED)
        .setPipeline(run == null ? "" : run.getPipeline()).setRunAcceptedAtMs(r.getRequestedAtMs())
        .setParams(run == null ? new HashMap<>() : new HashMap<>(run.getParams()))
        .setRequester(Objects.requireNonNullElse(r.getRequester(), "")).setRerunOf(r.getRunId()).build());
    d.deadLetter(reason);
  }
}
