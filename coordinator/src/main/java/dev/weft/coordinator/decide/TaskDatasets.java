package dev.weft.coordinator.decide;

import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.TaskState;
import java.util.ArrayList;
import java.util.List;

/**
 * What a task reads and writes, as the run events (and through them history and lineage) name it. The one place
 * that decides it: its outputs are its resolved output target; its inputs are its dependencies' resolved outputs.
 * Declared {@code inputs:} in the spec, when they come, are added here.
 */
final class TaskDatasets {
  private TaskDatasets() {}

  static List<String> outputs(TaskState task) {
    return task.getOutput() == null ? new ArrayList<>() : new ArrayList<>(List.of(task.getOutput()));
  }

  /** Reads only the task's own dependencies, never a scan of the run. */
  static List<String> inputs(CoordinatorState state, TaskState task) {
    List<String> inputs = new ArrayList<>();
    if (task.getDependsOn() == null) return inputs;
    for (String dependency : task.getDependsOn()) {
      TaskState d = state.task(task.getRunId(), dependency);
      if (d != null && d.getOutput() != null) inputs.add(d.getOutput());
    }
    return inputs;
  }
}
