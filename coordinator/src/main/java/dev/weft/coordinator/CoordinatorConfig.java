package dev.weft.coordinator;

import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.topics.Topics;
import java.nio.file.Path;

/**
 * How to run one coordinator instance.
 *
 * @param commitIntervalMs exactly-once commit interval; it bounds dispatch latency (a command is readable by
 *     read_committed executors only after the commit), so it is short by default
 * @param apiPort port of the query API and UI; 0 picks a free one, -1 runs none
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
    CoordinatorOptions options) {

  public static CoordinatorConfig defaults(String bootstrapServers, Path stateDir) {
    return new CoordinatorConfig(bootstrapServers, Topics.DEFAULT, "weft-coordinator", stateDir, 1, 20, (short) 1,
        "127.0.0.1", 7070, CoordinatorOptions.DEFAULT);
  }

  public CoordinatorConfig withApiPort(int port) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, apiHost, port, options);
  }

  public CoordinatorConfig withApplicationId(String id) {
    return new CoordinatorConfig(bootstrapServers, topics, id, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, apiHost, apiPort, options);
  }

  public CoordinatorConfig withOptions(CoordinatorOptions o) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, apiHost, apiPort, o);
  }

  public CoordinatorConfig withTopics(Topics t) {
    return new CoordinatorConfig(bootstrapServers, t, applicationId, stateDir, streamThreads, commitIntervalMs,
        replicationFactor, apiHost, apiPort, options);
  }

  public CoordinatorConfig withStreamThreads(int threads) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, threads, commitIntervalMs,
        replicationFactor, apiHost, apiPort, options);
  }

  public CoordinatorConfig withCommitIntervalMs(long ms) {
    return new CoordinatorConfig(bootstrapServers, topics, applicationId, stateDir, streamThreads, ms,
        replicationFactor, apiHost, apiPort, options);
  }
}
