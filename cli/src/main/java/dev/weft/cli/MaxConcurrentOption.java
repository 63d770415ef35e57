package dev.weft.cli;

import dev.weft.executor.ExecutorConfig;
import picocli.CommandLine.Option;

/**
 * {@code --max-concurrent} ({@code WEFT_MAX_CONCURRENT}): how many attempts an executor runs at once, Airflow's
 * {@code parallelism} for one executor instance. Shared by {@code weft executor} and by {@code weft dev} and
 * {@code weft run}, whose stacks run one instance of each executor.
 */
final class MaxConcurrentOption {
  @Option(names = "--max-concurrent", paramLabel = "N",
      description = "attempts each executor runs at once (env WEFT_MAX_CONCURRENT; default "
          + ExecutorConfig.DEFAULT_MAX_CONCURRENT + ")")
  Integer maxConcurrent;

  /** @return the number given, or the executors' default */
  int value() {
    int n = Environment.integerOr(maxConcurrent, "WEFT_MAX_CONCURRENT", "--max-concurrent", "attempts",
        ExecutorConfig.DEFAULT_MAX_CONCURRENT);
    if (n < 1) throw new UsageException("--max-concurrent must be at least 1, not " + n);
    return n;
  }
}
