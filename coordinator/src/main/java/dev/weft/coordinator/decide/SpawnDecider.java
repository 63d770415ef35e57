package dev.weft.coordinator.decide;

import dev.weft.avro.FailureKind;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskStatus;
import dev.weft.coordinator.event.CoordinatorEvent.DependantAdded;
import dev.weft.coordinator.event.CoordinatorEvent.DependencyAdded;
import dev.weft.coordinator.event.CoordinatorEvent.TaskSpawned;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import dev.weft.coordinator.state.TaskStatuses;
import dev.weft.spec.PipelineSpecs;
import dev.weft.spec.ResolvedTask;
import dev.weft.spec.SpecException;
import dev.weft.spec.SpecProblem;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides on SPAWNED: the tasks a running attempt wrote to {@code $WEFT_SPAWN_FILE} join its run (Luigi's dynamic
 * requires). They are validated as a request's tasks are ({@link PipelineSpecs#resolveSpawned}): ids, executor blocks,
 * dependencies (on tasks of the run or on each other), cycles, and the run's task limit. Then
 * <ul>
 *   <li>each new task waits for its dependencies that have not completed, and starts at once when none is left;</li>
 *   <li>the spawner's dependants wait for the new tasks too (for those no other new task depends on, which wait for
 *       the rest): the spawner's own success is not enough, as in Luigi.</li>
 * </ul>
 * Spawning is idempotent by task id, so a retried spawner can spawn the same tasks again: an id already in the run
 * with the same resolved spec is left as it is; with a different spec it is a problem. Any problem fails the spawning
 * attempt (INVALID_SPEC, not retried) with every reason located, and nothing of the fragment joins the run.
 */
final class SpawnDecider {
  private final CoordinatorState state;
  private final DeciderSettings settings;
  private final TaskOutcomeBehavior outcomes;

  SpawnDecider(CoordinatorState state, DeciderSettings settings, TaskOutcomeBehavior outcomes) {
    this.state = state;
    this.settings = settings;
    this.outcomes = outcomes;
  }

  /** {@code spawner} is live and {@code e} is its current attempt's SPAWNED. */
  void decide(RunState run, TaskState spawner, TaskEvent e, Decisions d) {
    String runId = run.getRunId();
    long at = e.getAtMs();
    List<ResolvedTask> spawned;
    try {
      spawned = PipelineSpecs.resolveSpawned(e.getSpawnedJson(), run.getParams(), id -> state.task(runId, id) != null);
    } catch (SpecException ex) {
      reject(spawner, ex.getMessage(), e, at, d);
      return;
    }
    Map<String, ResolvedTask> fresh = new LinkedHashMap<>();
    List<SpecProblem> problems = new ArrayList<>();
    for (int i = 0; i < spawned.size(); i++) {
      ResolvedTask t = spawned.get(i);
      TaskState existing = state.task(runId, t.id());
      if (existing == null) {
        fresh.put(t.id(), t);
      } else if (!existing.getSpecJson().equals(t.specJson())) {
        problems.add(new SpecProblem("spawned.tasks[" + i + "](" + t.id() + ").id", "task '" + t.id() + "' is already "
            + "in the run" + (existing.getSpawnedBy() == null ? "" : " (spawned by '" + existing.getSpawnedBy() + "')")
            + " with a different spec; spawn it with the same spec, or under a new id"));
      }
    }
    int room = settings.limits().maxRunTasks() - run.getTaskCount();
    if (fresh.size() > room) {
      problems.add(new SpecProblem("spawned.tasks", fresh.size() + " new tasks would take the run over its task limit "
          + "of " + settings.limits().maxRunTasks() + " (" + Math.max(0, room) + " more allowed)"));
    }
    problems.addAll(cyclesThroughSpawner(spawner, fresh));
    if (!problems.isEmpty()) {
      reject(spawner, new SpecException(problems).getMessage(), e, at, d);
      return;
    }
    if (fresh.isEmpty()) return; // all spawned before, by an earlier attempt: already in the run and wired
    join(run, spawner, fresh, at, d);
  }

  private void join(RunState run, TaskState spawner, Map<String, ResolvedTask> fresh, long at, Decisions d) {
    String runId = run.getRunId();
    Map<String, List<String>> dependants = new HashMap<>();
    for (ResolvedTask t : fresh.values()) {
      for (String dep : t.dependsOn()) {
        if (fresh.containsKey(dep)) dependants.computeIfAbsent(dep, k -> new ArrayList<>()).add(t.id());
      }
    }
    List<String> waiting = spawner.getDependants().stream()
        .filter(id -> !TaskStatuses.isTerminal(state.task(runId, id).getStatus())).toList();
    int index = run.getTaskCount();
    List<String> upstreamFailed = new ArrayList<>();
    for (ResolvedTask t : fresh.values()) {
      List<String> own = new ArrayList<>(dependants.getOrDefault(t.id(), List.of()));
      boolean sink = own.isEmpty();
      if (sink) own.addAll(waiting);
      int unmet = 0;
      boolean failedDep = false;
      for (String dep : t.dependsOn()) {
        TaskState existing = fresh.containsKey(dep) ? null : state.task(runId, dep);
        if (existing == null) {
          unmet++;
        } else if (!TaskStatuses.isTerminal(existing.getStatus())) {
          unmet++;
        } else if (!TaskStatuses.satisfiesDependants(TaskStatus.valueOf(existing.getStatus()))) {
          failedDep = true;
        }
      }
      d.record(new TaskSpawned(runId, spawner.getTaskId(), t, index++, own, unmet));
      if (failedDep) upstreamFailed.add(t.id());
      for (String dep : t.dependsOn()) {
        if (fresh.containsKey(dep)) continue;
        if (!TaskStatuses.isTerminal(state.task(runId, dep).getStatus())) {
          d.record(new DependantAdded(runId, dep, t.id()));
        }
      }
      if (sink) for (String w : waiting) d.record(new DependencyAdded(runId, w, t.id()));
    }
    for (String id : upstreamFailed) {
      TaskState t = state.task(runId, id);
      if (TaskStatuses.isTerminal(t.getStatus())) continue;
      outcomes.abandon(t, TaskStatus.UPSTREAM_FAILED, "a task it depends on had already failed", at, d);
      outcomes.abandonDownstream(t, TaskStatus.UPSTREAM_FAILED, "upstream task '" + id + "' ended UPSTREAM_FAILED",
          at, d);
    }
    if (!RunStatus.RUNNING.name().equals(state.run(runId).getStatus())) return;
    for (String id : fresh.keySet()) {
      TaskState t = state.task(runId, id);
      if (state.unmetDependencies(t) == 0 && TaskStatus.PENDING.name().equals(t.getStatus())) outcomes.dispatch(t, at, d);
    }
  }

  /**
   * The spawner's dependants will wait for the new tasks, so a new task must not wait for any of them: that would be
   * a cycle through the spawner. Tasks downstream of the spawner are found only when a new task names a task of the
   * run other than the spawner, which is rare.
   */
  private List<SpecProblem> cyclesThroughSpawner(TaskState spawner, Map<String, ResolvedTask> fresh) {
    List<SpecProblem> problems = new ArrayList<>();
    Set<String> downstream = null;
    int i = 0;
    for (ResolvedTask t : fresh.values()) {
      for (int k = 0; k < t.dependsOn().size(); k++) {
        String dep = t.dependsOn().get(k);
        if (fresh.containsKey(dep) || dep.equals(spawner.getTaskId())) continue;
        if (downstream == null) downstream = downstreamOf(spawner);
        if (downstream.contains(dep)) {
          problems.add(new SpecProblem("spawned.tasks[" + i + "](" + t.id() + ").dependsOn", "dependency cycle: '"
              + dep + "' waits for the spawner '" + spawner.getTaskId() + "', whose dependants wait for the tasks it "
              + "spawns: " + t.id() + " -> " + dep + " -> ... -> " + spawner.getTaskId() + " -> " + t.id()));
        }
      }
      i++;
    }
    return problems;
  }

  private Set<String> downstreamOf(TaskState root) {
    Set<String> seen = new HashSet<>();
    Deque<String> queue = new ArrayDeque<>(root.getDependants());
    while (!queue.isEmpty()) {
      String id = queue.poll();
      if (!seen.add(id)) continue;
      queue.addAll(state.task(root.getRunId(), id).getDependants());
    }
    return seen;
  }

  private void reject(TaskState spawner, String problems, TaskEvent e, long at, Decisions d) {
    outcomes.fail(spawner, FailureKind.INVALID_SPEC, null, "attempt " + e.getAttempt() + " spawned invalid tasks:\n"
        + problems, spawner.getLogTail(), at, d);
  }
}
