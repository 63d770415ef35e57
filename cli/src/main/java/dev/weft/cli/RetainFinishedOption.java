package dev.weft.cli;

import dev.weft.coordinator.topology.CoordinatorOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --retain-finished} ({@code WEFT_RETAIN_FINISHED}): how long the coordinator keeps a finished run; {@code 0s}
 * keeps finished runs forever. Shared by {@code weft coordinator}, {@code dev}, {@code run} and {@code replay}.
 */
final class RetainFinishedOption {
  @Option(names = "--retain-finished", paramLabel = "DURATION",
      description = "how long a finished run stays in the coordinator after it finished: 7d, 12h, 30s or P7D; 0s keeps "
          + "runs forever (env WEFT_RETAIN_FINISHED; default 7d)")
  String retainFinished;

  Duration value() {
    String v = Environment.or(retainFinished, "WEFT_RETAIN_FINISHED", null);
    if (v == null) return CoordinatorOptions.DEFAULT_RETAIN_FINISHED;
    try {
      return new DurationConverter().convert(v);
    } catch (RuntimeException e) {
      throw new UsageException("--retain-finished takes a duration like 7d, 12h, 30s or P7D (0s keeps finished "
          + "runs forever), not '" + v + "'");
    }
  }
}
