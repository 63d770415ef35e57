package dev.weft.tests;

import dev.weft.avro.CommandKind;
import dev.weft.avro.TaskCommand;
import dev.weft.serde.WeftSerdes;
import dev.weft.spec.PipelineSpecs;
import dev.weft.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Every committed command a Weft published, read from all its {@code commands.<executor>} topics with read_committed,
 * as an executor sees them: what the exactly-once promise is about.
 *
 * <p>A command's own timestamp is not when it was sent: Kafka Streams gives an output record the timestamp of the
 * input record that caused it (the request, the executor's event), and {@code issuedAtMs} is that time too, so that a
 * replay decides the same. {@link #stampOnAppend} makes the broker stamp each command when it is appended instead,
 * which is what a measurement of dispatch needs.
 */
public final class CommandLog {
  /** One command as published: which attempt, and its record timestamp (see {@link #stampOnAppend}). */
  public record Sent(CommandKind kind, String runId, String taskId, int attempt, long timestampMs) {
    public String attemptKey() {
      return runId + "/" + taskId + "#" + attempt;
    }
  }

  private CommandLog() {}

  /**
   * Sets {@code message.timestamp.type=LogAppendTime} on every command topic of {@code topics}: from then on a
   * command's timestamp is the broker's clock when the coordinator wrote it (its transaction commits within the commit
   * interval after that).
   */
  public static void stampOnAppend(String bootstrapServers, Topics topics) {
    Map<ConfigResource, java.util.Collection<AlterConfigOp>> ops = new HashMap<>();
    for (String executor : PipelineSpecs.EXECUTORS) {
      ops.put(new ConfigResource(ConfigResource.Type.TOPIC, topics.commands(executor)), List.of(new AlterConfigOp(
          new ConfigEntry(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"), AlterConfigOp.OpType.SET)));
    }
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      admin.incrementalAlterConfigs(ops).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not set LogAppendTime on the command topics of " + topics.prefix(), e);
    }
  }

  /** Every committed command on the topics of {@code topics}, in timestamp order. */
  public static List<Sent> read(String bootstrapServers, Topics topics, WeftSerdes serdes) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "command-log-" + UUID.randomUUID());
    List<Sent> out = new ArrayList<>();
    Deserializer<TaskCommand> decoder = serdes.taskCommand().deserializer();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String executor : PipelineSpecs.EXECUTORS) {
        String topic = topics.commands(executor);
        consumer.partitionsFor(topic, Duration.ofSeconds(30))
            .forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // Under read_committed the end offsets are the last stable offsets: everything committed so far.
      Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions, Duration.ofSeconds(30)));
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        if (System.nanoTime() > deadline) throw new AssertionError("could not read the command topics to their end");
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          TaskCommand c = decoder.deserialize(r.topic(), r.value());
          out.add(new Sent(c.getKind(), c.getRunId(), c.getTaskId(), c.getAttempt(), r.timestamp()));
        }
      }
    }
    out.sort(Comparator.comparingLong(Sent::timestampMs));
    return out;
  }

  /** The RUN commands of one run, in timestamp order. */
  public static List<Sent> runs(List<Sent> log, String runId) {
    return log.stream().filter(s -> s.kind() == CommandKind.RUN && s.runId().equals(runId)).toList();
  }

  /**
   * The longest time between two consecutive commands, with when it began: how long dispatch stood still.
   *
   * @return {@code [gapMs, startMs]}, or zeros for fewer than two commands
   */
  public static long[] longestPause(List<Sent> inTimestampOrder) {
    long gap = 0;
    long at = 0;
    for (int i = 1; i < inTimestampOrder.size(); i++) {
      long d = inTimestampOrder.get(i).timestampMs() - inTimestampOrder.get(i - 1).timestampMs();
      if (d > gap) {
        gap = d;
        at = inTimestampOrder.get(i - 1).timestampMs();
      }
    }
    return new long[] {gap, at};
  }
}
