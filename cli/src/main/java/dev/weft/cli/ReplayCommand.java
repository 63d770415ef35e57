package dev.weft.cli;

import dev.weft.coordinator.CoordinatorConfig;
import dev.weft.coordinator.CoordinatorReplay;
import dev.weft.coordinator.topology.CoordinatorOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weft replay}: rebuilds the coordinator's state by folding the input topics from the beginning into empty
 * stores under a new application id. Nothing already published is published again, so no work starts twice. With
 * {@code --serve} the rebuilt coordinator keeps running and takes over; stop the old one first.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {"Rebuild the coordinator's state from the topics into a new application id; starts no work twice.",
        "With --serve the rebuilt coordinator keeps running and takes over: stop the old one first."})
final class ReplayCommand implements Callable<Integer> {
  private final CommandOutput output;

  @Option(names = "--application-id", paramLabel = "NEW",
      description = "the rebuilt coordinator's application id (default weft-coordinator-replay-<now>)")
  String applicationId;

  @Option(names = "--from-application-id", paramLabel = "OLD", defaultValue = "weft-coordinator",
      description = "the coordinator being replaced, whose published commands are not published again "
          + "(default ${DEFAULT-VALUE})")
  String previous;

  @Option(names = "--state-dir", paramLabel = "DIR", description = "its stores (default .weft/<application id>)")
  Path stateDir;

  @Option(names = "--api-port", paramLabel = "PORT",
      description = "its API port (default 7070 with --serve, else none)")
  Integer apiPort;

  @Option(names = "--serve", description = "keep running as the coordinator once caught up")
  boolean serve;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "1h", converter = DurationConverter.class,
      description = "how long catching up may take (default ${DEFAULT-VALUE})")
  Duration timeout;

  @Mixin
  RetainFinishedOption retainFinished;

  @Mixin
  MaxRunTasksOption maxRunTasks;

  @Mixin
  ConnectionOptions connection;

  ReplayCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintStream err = output.err();
    String appId = applicationId != null ? applicationId : "weft-coordinator-replay-" + System.currentTimeMillis();
    CoordinatorConfig config = CoordinatorConfig.defaults(connection.bootstrap(),
            stateDir != null ? stateDir : Path.of(".weft/" + appId))
        .withApplicationId(appId).withApiPort(apiPort != null ? apiPort : serve ? 7070 : -1)
        // The coordinator being replaced's setting: a run's expiry time is decided again when the replay folds its end.
        .withOptions(CoordinatorOptions.DEFAULT.withRetainFinished(retainFinished.value())
            .withLimits(maxRunTasks.limits()))
        .withClientProperties(connection.kafkaProperties());
    err.println("weft: replaying into application " + appId + " (already published by " + previous + ")");
    ProgressLine progress = new ProgressLine(err, output.interactive());
    CoordinatorReplay.Result r;
    try {
      r = CoordinatorReplay.replay(config, connection.serdes(), previous, timeout,
          CoordinatorReplay.printing(m -> progress.update("weft: " + m)));
    } finally {
      progress.done();
    }
    double seconds = Math.max(0.001, r.took().toMillis() / 1000.0);
    output.out().printf("caught up: %d records folded in %.1f s (%.0f records/s); %d commands held back; state rebuilt "
        + "under application id %s%n", r.records(), seconds, r.records() / seconds,
        r.coordinator().stats().suppressedCommands(), appId);
    if (!serve) {
      r.coordinator().close();
      return Weft.OK;
    }
    err.println("weft: serving as the coordinator (API on port " + r.coordinator().apiPort() + "); Ctrl-C to stop");
    return ServiceLifetime.untilStopped(r.coordinator(), err);
  }
}
