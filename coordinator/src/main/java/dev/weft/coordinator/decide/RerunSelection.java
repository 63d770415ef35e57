package dev.weft.coordinator.decide;

import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.state.TaskState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which tasks of a finished run a rerun runs again; every other task is carried over (recorded SKIPPED in the new
 * run, so its dependants start at once). A pure function of the old run's tasks, so it is tested without Kafka.
 *
 * <ul>
 *   <li>{@code failed}: every task that did not end SUCCEEDED or SKIPPED runs again (its UPSTREAM_FAILED dependants
 *       included).
 *   <li>{@code from}: those tasks and everything downstream of them run again.
 *   <li>{@code tasks}: just those run again.
 * </ul>
 * The three add up; with none of them every task runs again (a plain rerun).
 */
public final class RerunSelection {
  private RerunSelection() {}

  /** @param carriedOver task ids in spec order; @param problems unknown task names, one line each */
  public record Result(List<String> carriedOver, List<String> problems) {}

  public static Result select(List<TaskState> tasks, boolean failed, List<String> from, List<String> only) {
    Map<String, TaskState> byId = new HashMap<>();
    for (TaskState t : tasks) byId.put(t.getTaskId(), t);
    List<String> problems = new ArrayList<>();
    for (String id : from) if (!byId.containsKey(id)) problems.add("--from names no task of the run: '" + id + "'");
    for (String id : only) if (!byId.containsKey(id)) problems.add("--task names no task of the run: '" + id + "'");
    if (!problems.isEmpty()) return new Result(List.of(), problems);
    if (!failed && from.isEmpty() && only.isEmpty()) return new Result(List.of(), List.of());

    Set<String> again = new HashSet<>(only);
    if (failed) {
      for (TaskState t : tasks) {
        String s = t.getStatus();
        if (!TaskStatus.SUCCEEDED.name().equals(s) && !TaskStatus.SKIPPED.name().equals(s)) again.add(t.getTaskId());
      }
    }
    Deque<String> downstream = new ArrayDeque<>(from);
    Set<String> visited = new HashSet<>();
    while (!downstream.isEmpty()) {
      String id = downstream.poll();
      if (!visited.add(id)) continue;
      again.add(id);
      downstream.addAll(byId.get(id).getDependants());
    }
    List<String> carried = tasks.stream().sorted(Comparator.comparingInt(TaskState::getIndex))
        .map(TaskState::getTaskId).filter(id -> !again.contains(id)).toList();
    return new Result(carried, List.of());
  }
}
