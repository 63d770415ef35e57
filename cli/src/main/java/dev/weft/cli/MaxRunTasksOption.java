package dev.weft.cli;

import dev.weft.spec.SpecLimits;
import picocli.CommandLine.Option;

/**
 * {@code --max-run-tasks} ({@code WEFT_MAX_RUN_TASKS}): how many tasks one run may grow to with mapped and spawned
 * tasks. Shared by {@code weft coordinator} and {@code replay}, which must decide as the coordinator it replaces did,
 * and by {@code weft dev} and {@code weft run}, whose stacks run a coordinator of their own.
 */
final class MaxRunTasksOption {
  @Option(names = "--max-run-tasks", paramLabel = "N",
      description = "how many tasks one run may grow to with mapOver and spawned tasks; a run may be submitted with "
          + "at most 200,000 (env WEFT_MAX_RUN_TASKS; default 200000)")
  Integer maxRunTasks;

  SpecLimits limits() {
    String v = Environment.or(maxRunTasks == null ? null : maxRunTasks.toString(), "WEFT_MAX_RUN_TASKS", null);
    if (v == null) return SpecLimits.DEFAULT;
    int n;
    try {
      n = Integer.parseInt(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new UsageException("--max-run-tasks takes a number of tasks, not '" + v + "'");
    }
    if (n < SpecLimits.DEFAULT.maxTasks()) {
      throw new UsageException("--max-run-tasks must be at least " + SpecLimits.DEFAULT.maxTasks() + " (the tasks a "
          + "run may be submitted with), not " + n);
    }
    return SpecLimits.DEFAULT.withMaxRunTasks(n);
  }
}
