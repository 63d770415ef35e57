package dev.weft.coordinator.decide;

import dev.weft.avro.CommandKind;
import dev.weft.avro.FailureKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import dev.weft.topics.Topics;
import java.util.HashMap;

/** Builds the records the coordinator publishes, from state. */
final class Outputs {
  /** Long log tails would make run-events heavy; the full tail stays in the task's state. */
  static final int MAX_EVENT_LOG_TAIL = 4096;

  private Outputs() {}

  static TaskCommand runCommand(RunState run, TaskState task, long atMs) {
    return command(CommandKind.RUN, run, task, atMs)
        .setTaskSpecJson(task.getSpecJson())
        .setTimeoutMs(task.getTimeoutMs())
        .setHeartbeatIntervalMs(heartbeatIntervalMs(task.getHeartbeatTimeoutMs()))
        .setHeartbeatTimeoutMs(task.getHeartbeatTimeoutMs())
        .build();
  }

  static TaskCommand cancelCommand(RunState run, TaskState task, long atMs, String reason) {
    return command(CommandKind.CANCEL, run, task, atMs).setReason(reason).build();
  }

  /** What every command names: its kind, the attempt (run, task, attempt number), where it goes, and when. */
  private static TaskCommand.Builder command(CommandKind kind, RunState run, TaskState task, long atMs) {
    return TaskCommand.newBuilder()
        .setKind(kind)
        .setRunId(task.getRunId())
        .setTaskId(task.getTaskId())
        .setAttempt(task.getAttempt())
        .setExecutor(task.getExecutor())
        .setPipeline(run.getPipeline())
        .setIssuedAtMs(atMs);
  }

  /** Why a task that no executor started failed: which group was expected to start it, and what to do. */
  static String queueTimeoutReason(TaskState task) {
    String group = Topics.executorGroup(task.getExecutor());
    return "no executor started attempt " + task.getAttempt() + " within its queue timeout of "
        + java.time.Duration.ofMillis(task.getQueueTimeoutMs()).toString().substring(2).toLowerCase()
        + "; the executor group '" + group + "' (topic commands." + task.getExecutor() + ") has no member or a "
        + "backlog. Start one with `weft executor " + task.getExecutor() + "`, or raise the task's queueTimeout";
  }

  /** Four heartbeats per timeout window, so one late heartbeat never declares an attempt lost. */
  static long heartbeatIntervalMs(long heartbeatTimeoutMs) {
    return Math.max(200, Math.min(5_000, heartbeatTimeoutMs / 4));
  }

  static String boundedTail(String tail) {
    return tail != null && tail.length() > MAX_EVENT_LOG_TAIL ? tail.substring(tail.length() - MAX_EVENT_LOG_TAIL) : tail;
  }

  static RunEvent taskFinished(CoordinatorState state, RunState run, TaskState task, long atMs) {
    RunEvent e = RunEvents.aboutTask(RunEventKind.TASK_FINISHED, state, run, task, atMs);
    e.setTaskStatus(TaskStatus.valueOf(task.getStatus()));
    e.setExitCode(task.getLastExitCode());
    e.setFailureKind(task.getLastFailureKind() == null ? null : FailureKind.valueOf(task.getLastFailureKind()));
    e.setReason(task.getLastReason());
    e.setLogTail(boundedTail(task.getLogTail()));
    e.setTrackingUrl(task.getTrackingUrl());
    e.setStartedAtMs(task.getStartedAtMs());
    e.setFinishedAtMs(task.getFinishedAtMs());
    // The run's tasks so far, mapped and spawned ones included: what a follower's "finished of total" counts to.
    e.setTaskCount(run.getTaskCount());
    return e;
  }

  static RunEvent runFinished(RunState run) {
    return RunEvent.newBuilder()
        .setKind(RunEventKind.RUN_FINISHED)
        .setRunId(run.getRunId())
        .setAtMs(run.getFinishedAtMs())
        .setPipeline(run.getPipeline())
        .setRunStatus(RunStatus.valueOf(run.getStatus()))
        .setTaskCount(run.getTaskCount())
        .setCounts(new HashMap<>(run.getCounts()))
        .setReason(run.getCancelReason())
        .setStartedAtMs(run.getAcceptedAtMs())
        .setFinishedAtMs(run.getFinishedAtMs())
        .setRunAcceptedAtMs(run.getAcceptedAtMs())
        .setParams(new HashMap<>(run.getParams()))
        .setRequester(run.getRequester())
        .setSpecHash(run.getSpecHash())
        .setRerunOf(run.getRerunOf())
        .setStartedBy(run.getStartedBy())
        .build();
  }
}
