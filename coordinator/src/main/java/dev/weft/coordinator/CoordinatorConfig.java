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

  /**
   * How often the exactly-once transaction commits. Executors see a command only once it commits, so this is most of
   * the dispatch latency. At 1,000 tasks/s on the benchmark machine, 10 ms measured p50 21 ms against 32 at 20 ms and
   * 24 at 5 ms, whose p99 doubled as commits began to queue behind the previous transaction's markers
   * (docs/performance.md); throughput stayed within the run-to-run spread.
   */
  public static final long DEFAULT_COMMIT_INTERVAL_MS = 10;

  public static CoordinatorConfig defaults(String bootstrapServers, Path stateDir) {
    return new CoordinatorConfig(bootstrapServers, Topics.DEFAULT, "weft-coordinator", stateDir, 1,
        DEFAULT_COMMIT_INTERVAL_MS, (short) 1,
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
