package dev.weft.coordinator.api;

import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/** Turns coordinator state into the views the API serves. */
public final class RunViews {
  private RunViews() {}

  public static RunView of(RunState run, List<TaskState> tasks) {
    List<TaskView> views = tasks == null ? null
        : tasks.stream().sorted(Comparator.comparingInt(TaskState::getIndex)).map(RunViews::task).toList();
    return new RunView(run.getRunId(), run.getPipeline(), run.getStatus(), run.getRequester(),
        new TreeMap<>(run.getParams()), run.getRequestedAtMs(), run.getFinishedAtMs() == 0 ? null : run.getFinishedAtMs(),
        run.getTaskCount(), new TreeMap<>(run.getCounts()), run.getCancelReason(), views,
        run.getRerunOf(), run.getStartedBy());
  }

  public static TaskView task(TaskState t) {
    return new TaskView(t.getTaskId(), t.getStatus(), t.getExecutor(), t.getAttempt(), t.getLastExitCode(),
        t.getLastFailureKind(), t.getLastReason(),
        t.getFailures().stream().map(f -> new TaskView.FailureView(f.getAttempt(), f.getAtMs(), f.getKind(),
            f.getExitCode(), f.getReason())).toList(),
        t.getTrackingUrl(), t.getHandle(), t.getStartedAtMs() == 0 ? null : t.getStartedAtMs(),
        t.getFinishedAtMs() == 0 ? null : t.getFinishedAtMs(), t.getLogTail(),
        phase(t), t.getMapOver(), t.getInstances(), t.getMapParent(),
        t.getSpawnedBy(), t.getDependsOn() == null ? List.of() : List.copyOf(t.getDependsOn()),
        t.getNotBeforeMs() == 0 ? null : java.time.Instant.ofEpochMilli(t.getNotBeforeMs()).toString(),
        t.getNotBeforeMs() == 0 || !"PENDING".equals(t.getStatus()) ? null : t.getHeldUntilMs() > 0);
  }

  /** A RUNNING task's phase: its executor's word, or STOPPING once it ran past its timeout and was told to stop. */
  private static String phase(TaskState t) {
    if (!"RUNNING".equals(t.getStatus())) return null;
    return t.getTimedOutAtMs() > 0 ? "STOPPING" : t.getPhase();
  }
}
