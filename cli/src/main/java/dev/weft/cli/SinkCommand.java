package dev.weft.cli;

import dev.weft.coordinator.telemetry.Telemetry;
import dev.weft.sink.CompletionSink;
import dev.weft.sink.HistoryStore;
import dev.weft.sink.lineage.LineageEmitter;
import dev.weft.telemetry.MetricsServer;
import dev.weft.telemetry.PrometheusTelemetry;
import dev.weft.telemetry.SinkMetrics;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weft sink}: one member of the completion sink's group, writing run history to S3 or a directory. With an
 * instance id it is a static member: a restart under the same id takes its partitions back at once instead of after
 * the session timeout.
 */
@Command(name = "sink", mixinStandardHelpOptions = true,
    description = "Run one completion sink instance (a service): writes run history to s3://bucket/prefix or a "
        + "directory, and OpenLineage events.")
final class SinkCommand implements Callable<Integer> {
  private final CommandOutput output;

  @Mixin
  HistoryLocationOption history;

  @Option(names = "--lineage", paramLabel = "DEST",
      description = "where OpenLineage events go: http(s)://HOST:PORT, kafka://BOOTSTRAP/TOPIC, an OpenLineage .yml, "
          + "a file, or off (env WEFT_LINEAGE; default: OpenLineage's own configuration, else "
          + ".weft/lineage/lineage.jsonl)")
  String lineage;

  @Option(names = "--instance-id", paramLabel = "ID",
      description = "its static group membership (env WEFT_INSTANCE_ID; default: a dynamic member)")
  String instanceId;

  @Mixin
  TopicPrefixOption topicPrefix;

  @Mixin
  MetricsPortOption metricsPort;

  @Mixin
  ConnectionOptions connection;

  SinkCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws InterruptedException {
    HistoryStore store = history.open();
    LineageEmitter emitter;
    try {
      emitter = LineageEmitter.open(Environment.or(lineage, "WEFT_LINEAGE", null), RunCommand.LINEAGE_FILE,
          Path.of("").toAbsolutePath());
    } catch (IllegalArgumentException ex) {
      store.close();
      throw new UsageException("--lineage: " + ex.getMessage());
    }
    metricsPort.port(); // a bad port is a usage error before anything starts
    CompletionSink.Config config = config(store, emitter);
    CompletionSink sink = CompletionSink.start(config);
    Telemetry telemetry = PrometheusTelemetry.create("sink");
    SinkMetrics.bind(sink, telemetry.registry());
    MetricsServer metrics = metricsPort.open(telemetry, () -> true);
    output.err().println("weft: completion sink running in group " + config.groupId() + ", writing history to "
        + sink.location() + (emitter == null ? "" : " and lineage to " + emitter.description())
        + MetricsPortOption.describe(metrics));
    return ServiceLifetime.untilStopped(() -> {
      if (metrics != null) metrics.close();
      sink.close();
    }, output.err());
  }

  /** The sink's configuration from the options; tests read it too. */
  CompletionSink.Config config(HistoryStore store, LineageEmitter emitter) {
    return CompletionSink.Config.of(connection.bootstrap(), connection.serdes().runEvent().deserializer(),
            topicPrefix.topics(), store)
        .withInstanceId(Environment.or(instanceId, "WEFT_INSTANCE_ID", null)).withLineage(emitter)
        .withClientProperties(connection.kafkaProperties());
  }
}
