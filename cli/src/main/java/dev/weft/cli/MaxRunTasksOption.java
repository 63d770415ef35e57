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
    int n = Environment.integerOr(maxRunTasks, "WEFT_MAX_RUN_TASKS", "--max-run-tasks", "tasks",
        SpecLimits.DEFAULT.maxRunTasks());
    if (n < SpecLimits.DEFAULT.maxTasks()) {
      throw new UsageException("--max-run-tasks must be at least " + SpecLimits.DEFAULT.maxTasks() + " (the tasks a "
          + "run may be submitted with), not " + n);
    }
    return SpecLimits.DEFAULT.withMaxRunTasks(n);
  }
}
