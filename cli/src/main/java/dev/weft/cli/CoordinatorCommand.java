package dev.weft.cli;

import dev.weft.coordinator.Coordinator;
import dev.weft.coordinator.CoordinatorConfig;
import dev.weft.coordinator.api.ApiTokens;
import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.telemetry.PrometheusTelemetry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weft coordinator}: one instance of the coordinator, for a real deployment; run several with the same
 * application id to scale out. A service: it runs until SIGTERM.
 */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
    description = {"Run one coordinator instance (a service; SIGTERM stops it).",
        "Instances with the same --application-id share the work."})
final class CoordinatorCommand implements Callable<Integer> {
  private static final Set<String> WILDCARD_HOSTS = Set.of("0.0.0.0", "::", "[::]");

  private final CommandOutput output;

  @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".weft/coordinator",
      description = "its stores and its instance id; one directory per instance (default ${DEFAULT-VALUE})")
  Path stateDir;

  @Option(names = "--instance-id", paramLabel = "ID",
      description = "its static group membership (env WEFT_INSTANCE_ID; default: kept in the state dir)")
  String instanceId;

  @Option(names = "--api-host", paramLabel = "HOST",
      description = "the address the API and UI bind to (env WEFT_API_HOST; default "
          + CoordinatorConfig.DEFAULT_API_HOST + ")")
  String apiHost;

  @Option(names = "--advertised-host", paramLabel = "HOST",
      description = "the address the other instances reach this one at (env WEFT_ADVERTISED_HOST; default --api-host)")
  String advertisedHost;

  @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "7070",
      description = "the API and UI port; 0 picks a free one (default ${DEFAULT-VALUE})")
  int apiPort;

  @Option(names = "--api-tokens", paramLabel = "FILE", description = {
      "ask every API and UI request for a token: one 'SCOPE TOKEN' per line, scope read or operate (operate may also"
          + " cancel); instances of one deployment share the file (env WEFT_API_TOKENS; default: no tokens, open)"})
  Path apiTokens;

  @Option(names = "--read-token", paramLabel = "TOKEN",
      description = "a token that may read, instead of --api-tokens (env WEFT_READ_TOKEN)")
  String readToken;

  @Option(names = "--operate-token", paramLabel = "TOKEN",
      description = "a token that may read and cancel, instead of --api-tokens (env WEFT_OPERATE_TOKEN)")
  String operateToken;

  @Option(names = "--application-id", paramLabel = "ID",
      description = "instances with the same id share the work (env WEFT_APPLICATION_ID; default weft-coordinator)")
  String applicationId;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "1", description = "stream threads (default ${DEFAULT-VALUE})")
  int threads;

  @Option(names = "--standby-replicas", paramLabel = "N", defaultValue = "0",
      description = "warm copies of each partition's state on other instances (default ${DEFAULT-VALUE})")
  int standbyReplicas;

  @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "1",
      description = "of its changelog topics (default ${DEFAULT-VALUE})")
  short replicationFactor;

  @Option(names = "--commit-interval-ms", paramLabel = "MS",
      defaultValue = "" + CoordinatorConfig.DEFAULT_COMMIT_INTERVAL_MS,
      description = "the least time from the end of one exactly-once commit to one that a command or a run's end "
          + "waits for: most of the dispatch latency (default ${DEFAULT-VALUE}); the rest commits every 100 ms")
  int commitIntervalMs;

  @Mixin
  TopicPrefixOption topicPrefix;

  @Mixin
  RetainFinishedOption retainFinished;

  @Mixin
  MaxRunTasksOption maxRunTasks;

  @Mixin
  ConnectionOptions connection;

  CoordinatorCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws InterruptedException {
    String host = Environment.or(apiHost, "WEFT_API_HOST", CoordinatorConfig.DEFAULT_API_HOST);
    String advertised = Environment.or(advertisedHost, "WEFT_ADVERTISED_HOST", null);
    if (advertised == null && WILDCARD_HOSTS.contains(host)) {
      throw new UsageException("--api-host " + host + " binds every address, so give --advertised-host: the"
          + " address the other coordinator instances reach this one at (they forward queries to it)");
    }
    CoordinatorConfig c = config(host, advertised);
    Coordinator coordinator = Coordinator.start(c, connection.serdes(), Duration.ofMinutes(5),
        PrometheusTelemetry.create("coordinator"));
    // "running; API on port N" is what scripts and the tests wait for: keep it at the start of the line.
    output.err().println("weft: coordinator " + coordinator.instanceId() + " running; API on port " + coordinator.apiPort()
        + " (metrics at /metrics; " + c.apiTokens() + ")");
    return ServiceLifetime.untilStopped(coordinator, output.err());
  }

  /** The instance's configuration from the options; tests read it too. */
  CoordinatorConfig config(String host, String advertised) {
    try {
      return CoordinatorConfig.defaults(connection.bootstrap(), stateDir)
          .withTopics(topicPrefix.topics())
          .withApiPort(apiPort)
          .withApiHost(host, advertised)
          .withApplicationId(Environment.or(applicationId, "WEFT_APPLICATION_ID", "weft-coordinator"))
          .withCommitIntervalMs(commitIntervalMs)
          .withStreamThreads(threads)
          .withReplicationFactor(replicationFactor)
          .withStandbyReplicas(standbyReplicas)
          .withInstanceId(Environment.or(instanceId, "WEFT_INSTANCE_ID", null))
          .withOptions(CoordinatorOptions.DEFAULT.withRetainFinished(retainFinished.value())
              .withLimits(maxRunTasks.limits()))
          .withClientProperties(connection.kafkaProperties())
          .withApiTokens(tokens());
    } catch (IllegalArgumentException ex) {
      throw new UsageException(ex.getMessage());
    }
  }

  /** The API's tokens: the file, else the two single tokens (options, then environment), else none. */
  ApiTokens tokens() {
    String file = apiTokens != null ? apiTokens.toString() : Environment.or(null, "WEFT_API_TOKENS", null);
    String read = Environment.or(readToken, "WEFT_READ_TOKEN", null);
    String operate = Environment.or(operateToken, "WEFT_OPERATE_TOKEN", null);
    if (file != null) {
      if (read != null || operate != null) {
        throw new UsageException("give --api-tokens or --read-token/--operate-token, not both");
      }
      try {
        return ApiTokens.read(Path.of(file));
      } catch (java.io.IOException e) {
        throw new UsageException("cannot read the API token file " + file + ": " + e.getMessage());
      }
    }
    return ApiTokens.of(read, operate);
  }
}
