package dev.weft.coordinator.decide;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import java.util.ArrayList;
import java.util.HashMap;

/**
 * Run events that the fold writes for every task, started without Avro's builder.
 *
 * <p>Why: {@code RunEvent.Builder.build()} looks up and deep-copies the schema default of every field not set, about
 * half of a run event's 31, and the fold builds three run events a task (ATTEMPT_STARTED, ATTEMPT_ENDED,
 * TASK_FINISHED): 3 % of the stream thread under load (2026-12-04). The generated no-argument constructor leaves
 * every field null or zero instead, so {@link #blank} sets the non-null defaults by hand. {@code RunEventsTest} fails
 * when a field with such a default is added to the schema and not here.
 */
final class RunEvents {
  private RunEvents() {}

  /** A run event of {@code kind} with every other field at its schema default, as the builder would make it. */
  static RunEvent blank(RunEventKind kind, String runId, long atMs) {
    RunEvent e = new RunEvent();
    e.setKind(kind);
    e.setRunId(runId);
    e.setAtMs(atMs);
    e.setPipeline("");
    e.setTaskIds(new ArrayList<>());
    e.setCounts(new HashMap<>());
    e.setOutputs(new ArrayList<>());
    e.setInputs(new ArrayList<>());
    e.setParams(new HashMap<>());
    return e;
  }

  /** A run event about {@code task}, naming what each of those does: the attempt, where it ran, its inputs, outputs. */
  static RunEvent aboutTask(RunEventKind kind, CoordinatorState state, RunState run, TaskState task, long atMs) {
    RunEvent e = blank(kind, task.getRunId(), atMs);
    e.setPipeline(run.getPipeline());
    e.setTaskId(task.getTaskId());
    e.setAttempt(task.getAttempt());
    e.setExecutor(task.getExecutor());
    e.setOutputs(TaskDatasets.outputs(task));
    e.setInputs(TaskDatasets.inputs(state, task));
    e.setRunAcceptedAtMs(run.getAcceptedAtMs());
    return e;
  }
}
