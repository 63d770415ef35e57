package dev.weft.coordinator.telemetry;

import dev.weft.topics.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each executor group's queue, as the broker sees it: the commands written to {@code commands.<executor>} that its
 * group has not committed yet ({@code weft_executor_backlog_records}, the consumer lag), and how many members the
 * group has ({@code weft_executor_group_members}). A backlog with no member is work nobody will pick up, which is
 * what an operator is alerted to. Read with the admin client every {@link #INTERVAL}, off the stream threads.
 */
public final class CommandBacklog implements AutoCloseable {
  static final Duration INTERVAL = Duration.ofSeconds(5);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
  private static final Logger LOG = LoggerFactory.getLogger(CommandBacklog.class);

  private final Admin admin;
  private final Topics topics;
  private final Function<String, String> groupOf;
  private final MeterRegistry registry;
  /** Each executor's last reading, replaced whole so that a scrape never pairs one read's backlog with another's members. */
  private final Map<String, AtomicReference<Reading>> byExecutor = new ConcurrentHashMap<>();
  private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "weft-command-backlog");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param groupOf the consumer group of an executor's instances, by executor name
   * @param clientProperties admin client settings beyond the bootstrap servers (security, for one)
   */
  public CommandBacklog(String bootstrapServers, Map<String, Object> clientProperties, Topics topics,
      Function<String, String> groupOf, MeterRegistry registry) {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "weft-command-backlog");
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
    this.admin = Admin.create(p);
    this.topics = topics;
    this.groupOf = groupOf;
    this.registry = registry;
    refresher.scheduleWithFixedDelay(this::refresh, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Reads every executor's backlog and members once; a failed read keeps the last values and is tried again. */
  void refresh() {
    try {
      String prefix = topics.commands("");
      Set<String> names = admin.listTopics().names().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      List<String> commandTopics = names.stream().filter(n -> n.startsWith(prefix) && n.length() > prefix.length()).toList();
      if (commandTopics.isEmpty()) return;
      Map<String, TopicDescription> described = admin.describeTopics(commandTopics).allTopicNames()
          .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      described.values().forEach(d -> d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()),
          OffsetSpec.latest())));
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
          .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      for (String topic : commandTopics) {
        String executor = topic.substring(prefix.length());
        AtomicReference<Reading> reading = byExecutor.computeIfAbsent(executor, this::register);
        long backlog = 0;
        Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(groupOf.apply(executor));
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end : ends.entrySet()) {
          if (!end.getKey().topic().equals(topic)) continue;
          OffsetAndMetadata c = committed.get(end.getKey());
          // Never committed: the group reads from the earliest offset, so everything still in the log waits.
          backlog += Math.max(0, end.getValue().offset() - (c == null ? 0 : c.offset()));
        }
        // Both read before either is shown: a backlog of 0 written before its members were read could be scraped
        // beside the members of a read from before the group's first instance joined.
        reading.set(new Reading(backlog, members(groupOf.apply(executor))));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.debug("executor backlogs keep their last values: {}", e.toString());
    }
  }

  /** A group that never existed (no instance of the executor ever ran) has committed nothing. */
  private Map<TopicPartition, OffsetAndMetadata> committedOffsets(String group) throws Exception {
    try {
      Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
          .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return m == null ? Map.of() : m;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) return Map.of();
      throw e;
    }
  }

  /** Kafka 4 answers a describe of a group that does not exist with GroupIdNotFoundException: no members. */
  private int members(String group) throws Exception {
    try {
      ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
          .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return g.members().size();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) return 0;
      throw e;
    }
  }

  private AtomicReference<Reading> register(String executor) {
    AtomicReference<Reading> reading = new AtomicReference<>(new Reading(0, 0));
    Gauge.builder("weft.executor.backlog", reading, r -> r.get().backlog()).baseUnit("records")
        .description("Commands of the executor's queue that its group has not consumed yet (consumer lag)")
        .tag("executor", executor).register(registry);
    Gauge.builder("weft.executor.group.members", reading, r -> r.get().members())
        .description("Members of the executor's consumer group").tag("executor", executor).register(registry);
    return reading;
  }

  /** One read of an executor's queue: its backlog in records and its group's members at that time. */
  private record Reading(long backlog, int members) {}

  @Override
  public void close() {
    refresher.shutdownNow();
    admin.close(Duration.ofSeconds(2));
  }
}
