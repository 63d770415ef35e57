package dev.weft.executor;

import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.executor.s3.S3OutputChecker;
import dev.weft.executor.s3.S3Settings;
import dev.weft.topics.Topics;
import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serde;

/**
 * Configuration of one executor runtime instance. Build it with {@link #builder}; everything but the broker and the
 * two serdes has a default.
 *
 * @param bootstrapServers     Kafka bootstrap servers
 * @param topics               topic names (prefix)
 * @param instanceId           this instance's id: the {@code source} of its events, and part of its transactional id, so
 *                             a stable id (a pod name) lets a restarted instance fence its predecessor at once
 * @param groupId              consumer group; null means {@code weft-executor-<backend name>}
 * @param maxConcurrent        attempts running at once on this instance; while full, no new RUN is read
 * @param cancelGrace          time between SIGTERM and SIGKILL on cancel and timeout (on shutdown at most 4 s, so that
 *                             close() ends within 10 s; when fencing at most a sixth of the heartbeat timeout)
 * @param pollTimeout          longest wait in one poll; also the longest delay of a launched attempt's handle or a
 *                             tracking URL before it is sent (an outcome ends the wait at once)
 * @param cancelRunningOnClose whether {@code close()} cancels running attempts (reported FAILED/LOST so the
 *                             coordinator retries them) or leaves them running for a backend that can adopt them
 * @param outputChecker        answers whether a task's {@code output:} exists (SKIPPED)
 * @param commandSerde         decodes TaskCommand values (Confluent wire format)
 * @param eventSerde           encodes TaskEvent values
 * @param clientProperties     extra Kafka client settings; keys prefixed {@code consumer.} or {@code producer.} go to
 *                             that client only, others to both
 */
public record ExecutorConfig(
    String bootstrapServers,
    Topics topics,
    String instanceId,
    String groupId,
    int maxConcurrent,
    Duration cancelGrace,
    Duration pollTimeout,
    boolean cancelRunningOnClose,
    OutputChecker outputChecker,
    Serde<TaskCommand> commandSerde,
    Serde<TaskEvent> eventSerde,
    Map<String, Object> clientProperties) {

  public static final int DEFAULT_MAX_CONCURRENT = 16;
  public static final Duration DEFAULT_CANCEL_GRACE = Duration.ofSeconds(10);
  public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(50);

  public ExecutorConfig {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(cancelGrace, "cancelGrace");
    Objects.requireNonNull(pollTimeout, "pollTimeout");
    Objects.requireNonNull(outputChecker, "outputChecker");
    Objects.requireNonNull(commandSerde, "commandSerde");
    Objects.requireNonNull(eventSerde, "eventSerde");
    if (maxConcurrent < 1) throw new IllegalArgumentException("maxConcurrent must be at least 1, was " + maxConcurrent);
    if (!instanceId.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("instanceId '" + instanceId + "' may hold only letters, digits, '.', '_' and '-'");
    }
    clientProperties = Map.copyOf(clientProperties == null ? Map.of() : clientProperties);
  }

  /** The consumer group of an executor named {@code executorName}, unless {@link #groupId} overrides it. */
  public String groupIdFor(String executorName) {
    return groupId != null ? groupId : Topics.executorGroup(executorName);
  }

  public static Builder builder(String bootstrapServers, Serde<TaskCommand> commandSerde, Serde<TaskEvent> eventSerde) {
    return new Builder(bootstrapServers, commandSerde, eventSerde);
  }

  /** An id unique enough for an instance that was given none: host name and a random suffix. */
  public static String defaultInstanceId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
    } catch (Exception e) {
      host = "executor";
    }
    return host + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  public static final class Builder {
    private final String bootstrapServers;
    private final Serde<TaskCommand> commandSerde;
    private final Serde<TaskEvent> eventSerde;
    private Topics topics = Topics.DEFAULT;
    private String instanceId;
    private String groupId;
    private int maxConcurrent = DEFAULT_MAX_CONCURRENT;
    private Duration cancelGrace = DEFAULT_CANCEL_GRACE;
    private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
    private boolean cancelRunningOnClose = true;
    // Local files against the working directory, S3 through the AWS SDK's own configuration chain (built on first use).
    private OutputChecker outputChecker = new SchemeOutputChecker(new LocalOutputChecker(),
        new S3OutputChecker(S3Settings.fromEnvironment()));
    private final Map<String, Object> clientProperties = new LinkedHashMap<>();

    private Builder(String bootstrapServers, Serde<TaskCommand> commandSerde, Serde<TaskEvent> eventSerde) {
      this.bootstrapServers = bootstrapServers;
      this.commandSerde = commandSerde;
      this.eventSerde = eventSerde;
    }

    public Builder topics(Topics v) { topics = v; return this; }
    public Builder instanceId(String v) { instanceId = v; return this; }
    public Builder groupId(String v) { groupId = v; return this; }
    public Builder maxConcurrent(int v) { maxConcurrent = v; return this; }
    public Builder cancelGrace(Duration v) { cancelGrace = v; return this; }
    public Builder pollTimeout(Duration v) { pollTimeout = v; return this; }
    public Builder cancelRunningOnClose(boolean v) { cancelRunningOnClose = v; return this; }
    public Builder outputChecker(OutputChecker v) { outputChecker = v; return this; }
    public Builder clientProperty(String key, Object value) { clientProperties.put(key, value); return this; }
    public Builder clientProperties(Map<String, ?> v) { clientProperties.putAll(v); return this; }

    public ExecutorConfig build() {
      return new ExecutorConfig(bootstrapServers, topics, instanceId == null ? defaultInstanceId() : instanceId, groupId,
          maxConcurrent, cancelGrace, pollTimeout, cancelRunningOnClose, outputChecker, commandSerde, eventSerde,
          clientProperties);
    }
  }
}
