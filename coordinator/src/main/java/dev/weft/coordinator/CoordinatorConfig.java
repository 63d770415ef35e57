package dev.weft.coordinator;

import dev.weft.coordinator.api.ApiTokens;
import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.topics.Topics;
import java.nio.file.Path;
import java.util.Map;

/**
 * How to run one coordinator instance.
 *
 * @param commitIntervalMs the least time from the end of one exactly-once commit to the next one that someone waits
 *     for (a command, a run's end: {@code CommitPacer}); it bounds dispatch latency (a command is readable by
 *     read_committed executors only after the commit), so it is short by default. What nobody waits for is committed
 *     on Kafka Streams' interval, 100 ms or this if longer
 * @param apiHost the address the query API binds to
 * @param apiPort port of the query API and UI; 0 picks a free one, -1 runs none
 * @param advertisedHost the address other instances reach this one's API at (Streams' {@code application.server}, used
 *     to forward a query for a run this instance does not own); null means {@code apiHost}
 * @param standbyReplicas warm copies of each stream task's state kept on other instances, so a task moves without
 *     restoring its changelog from the start
 * @param instanceId this instance's stable name: its static group membership ({@code group.instance.id}); null means
 *     the one kept in {@link StableInstanceId#FILE} under {@code stateDir}, created on first start
 * @param clientProperties Kafka client settings for every client the instance makes (its Kafka Streams clients, its
 *     admin clients): security (SASL, TLS) and whatever else the deployment's brokers need. They are applied over
 *     Weft's own settings, as the operator's word; Kafka Streams' {@code producer.}/{@code consumer.}/{@code admin.}
 *     prefixes reach one kind of its clients only
 * @param apiTokens who may read and operate through the query API and UI; {@link ApiTokens#OPEN} asks for no token
 */
public record CoordinatorConfig(
    String bootstrapServers,
    Topics topics,
    String applicationId,
    Path stateDir,
    int streamThreads,
    long commitIntervalMs,
    short replicationFactor,
    String apiHost,
    int apiPort,
    CoordinatorOptions options,
    String advertisedHost,
    int standbyReplicas,
    String instanceId,
    Map<String, Object> clientProperties,
    ApiTokens apiTokens) {

  /**
   * How often the exactly-once transaction commits. Executors see a command only once it commits, so this is most of
   * the dispatch latency. At 1,000 tasks/s on the benchmark machine, 10 ms measured p50 21 ms against 32 at 20 ms and
   * 24 at 5 ms, whose p99 doubled as commits began to queue behind the previous transaction's markers
   * (docs/performance.md); throughput stayed within the run-to-run spread.
   */
  public static final long DEFAULT_COMMIT_INTERVAL_MS = 10;
  public static final String DEFAULT_API_HOST = "127.0.0.1";

  public CoordinatorConfig {
    if (standbyReplicas < 0) throw new IllegalArgumentException("standbyReplicas must be 0 or more, was " + standbyReplicas);
    if (streamThreads < 1) throw new IllegalArgumentException("streamThreads must be at least 1, was " + streamThreads);
    if (replicationFactor < 1 && replicationFactor != -1) {
      throw new IllegalArgumentException("replicationFactor must be at least 1 (or -1, the broker's default), was "
          + replicationFactor);
    }
    if (instanceId != null) StableInstanceId.requireValid(instanceId);
    clientProperties = Map.copyOf(clientProperties == null ? Map.of() : clientProperties);
    if (apiTokens == null) apiTokens = ApiTokens.OPEN;
  }

  public static CoordinatorConfig defaults(String bootstrapServers, Path stateDir) {
    return new CoordinatorConfig(bootstrapServers, Topics.DEFAULT, "weft-coordinator", stateDir, 1,
        DEFAULT_COMMIT_INTERVAL_MS, (short) 1, DEFAULT_API_HOST, 7070, CoordinatorOptions.DEFAULT, null, 0, null,
        Map.of(), ApiTokens.OPEN);
  }

  /** The host this instance advertises to the others. */
  public String advertisedHostOrApiHost() {
    return advertisedHost != null ? advertisedHost : apiHost;
  }

  public CoordinatorConfig withApiPort(int port) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, apiHost, port, options, advertisedHost, standbyReplicas, instanceId, clientProperties, apiTokens);
  }

  public CoordinatorConfig withApplicationId(String id) {
    return new CoordinatorConfig(bootstrapServers, topics, id, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, apiHost, apiPort, options, advertisedHost, standbyReplicas, instanceId, clientProperties, apiTokens);
  }

  public CoordinatorConfig withOptions(CoordinatorOptions o) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, apiHost, apiPort, o, advertisedHost, standbyReplicas, instanceId, clientProperties, apiTokens);
  }

  public CoordinatorConfig withTopics(Topics t) {
    return new CoordinatorConfig(bootstrapServers, t, applicationId, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, apiHost, apiPort, options, advertisedHost, standbyReplicas, instanceId, clientProperties, apiTokens);
  }

  public CoordinatorConfig withStreamThreads(int threads) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, threads, commitIntervalMs,
        replicationFactor, apiHost, apiPort, options, advertisedHost, standbyReplicas, instanceId, clientProperties, apiTokens);
  }

  public CoordinatorConfig withCommitIntervalMs(long ms) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, streamThreads, ms,
        replicationFactor, apiHost, apiPort, options, advertisedHost, standbyReplicas, instanceId, clientProperties, apiTokens);
  }

  public CoordinatorConfig withReplicationFactor(short factor) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, streamThreads, commitIntervalMs,
        factor, apiHost, apiPort, options, advertisedHost, standbyReplicas, instanceId, clientProperties, apiTokens);
  }

  /** Where the API binds ({@code host}) and what the instance advertises to the others ({@code advertised}, or null). */
  public CoordinatorConfig withApiHost(String host, String advertised) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, host, apiPort, options, advertised, standbyReplicas, instanceId, clientProperties, apiTokens);
  }

  public CoordinatorConfig withStandbyReplicas(int n) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, apiHost, apiPort, options, advertisedHost, n, instanceId, clientProperties, apiTokens);
  }

  public CoordinatorConfig withInstanceId(String id) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, apiHost, apiPort, options, advertisedHost, standbyReplicas, id, clientProperties, apiTokens);
  }

  public CoordinatorConfig withClientProperties(Map<String, ?> properties) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, apiHost, apiPort, options, advertisedHost, standbyReplicas, instanceId, Map.copyOf(properties), apiTokens);
  }

  public CoordinatorConfig withApiTokens(ApiTokens tokens) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, apiHost, apiPort, options, advertisedHost, standbyReplicas, instanceId, clientProperties,
        tokens);
  }
}
