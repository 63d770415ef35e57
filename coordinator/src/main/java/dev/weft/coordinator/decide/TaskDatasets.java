package dev.weft.coordinator.decide;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.TaskState;
import java.util.ArrayList;
import dev.weft.spec.SpecJson;
import java.util.List;

/**
 * What a task reads and writes, as the run events (and through them history and lineage) name it. The one place
 * that decides it: its outputs are its resolved output target; its inputs are its dependencies' resolved outputs,
 * then the targets it declares in {@code inputs:} (parameters substituted), each once, in that order.
 *
 * <p>Declared inputs are read from the task's resolved spec, which the state already keeps, rather than from a state
 * field of their own: no new stored schema version for a list only run events need. Only a spec that has the field is
 * parsed (most have none), and only when an attempt starts or ends.
 */
final class TaskDatasets {
  private TaskDatasets() {}

  static List<String> outputs(TaskState task) {
    return task.getOutput() == null ? new ArrayList<>() : new ArrayList<>(List.of(task.getOutput()));
  }

  /** Reads only the task's own dependencies, never a scan of the run. */
  static List<String> inputs(CoordinatorState state, TaskState task) {
    List<String> inputs = new ArrayList<>();
    if (task.getDependsOn() != null) {
      for (String dependency : task.getDependsOn()) {
        TaskState d = state.task(task.getRunId(), dependency);
        if (d != null && d.getOutput() != null && !inputs.contains(d.getOutput())) inputs.add(d.getOutput());
      }
    }
    for (String declared : declaredInputs(task.getSpecJson())) {
      if (!inputs.contains(declared)) inputs.add(declared);
    }
    return inputs;
  }

  /** The {@code inputs:} of a resolved task spec; none when it has none or (never after validation) does not parse. */
  static List<String> declaredInputs(String specJson) {
    if (specJson == null || !specJson.contains("\"inputs\"")) return List.of();
    try {
      JsonNode inputs = SpecJson.MAPPER.readTree(specJson).get("inputs");
      if (inputs == null || !inputs.isArray()) return List.of();
      List<String> out = new ArrayList<>(inputs.size());
      inputs.forEach(i -> {
        if (i.isTextual()) out.add(i.asText());
      });
      return out;
    } catch (JsonProcessingException e) {
      return List.of();
    }
  }
}
