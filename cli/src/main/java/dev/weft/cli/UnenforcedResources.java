package dev.weft.cli;

import dev.weft.spec.PipelineSpec;
import dev.weft.spec.TaskSpec;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The tasks of a pipeline that are given {@code resources} which their executor does not enforce. A container task's
 * become cgroup limits and a batch task's its job's vCPUs and memory; a process or Spark task runs under its
 * executor's own limits. A limit written down and silently ignored is worse than none: say so before the run.
 */
final class UnenforcedResources {
  /** The executors that turn {@code resources} into limits; {@code noop} runs nothing to limit. */
  private static final Set<String> ENFORCED_OR_MOOT = Set.of("container", "batch", "noop");
  private static final int NAMED = 5;

  private UnenforcedResources() {}

  /** @return the warning to print, if any task is given resources its executor ignores */
  static Optional<String> warning(PipelineSpec spec) {
    List<String> ids = spec.tasks().stream()
        .filter(t -> t.executor() != null && !ENFORCED_OR_MOOT.contains(t.executor()))
        .filter(t -> t.resources() != null || spec.defaults().resources() != null)
        .map(TaskSpec::id)
        .toList();
    if (ids.isEmpty()) return Optional.empty();
    String named = String.join(", ", ids.subList(0, Math.min(NAMED, ids.size())))
        + (ids.size() > NAMED ? " and " + (ids.size() - NAMED) + " more" : "");
    return Optional.of("resources are not enforced for process and spark tasks, which run under their executor's own "
        + "limits: " + named + " (" + (ids.size() == 1 ? "it is" : "they are") + " given resources here or in "
        + "defaults:). Run a task as a container task to have them enforced");
  }
}
