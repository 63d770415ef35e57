package dev.weft.sink;

import dev.weft.avro.RunEvent;
import dev.weft.serde.SchemaRegistryException;
import dev.weft.sink.lineage.LineageEmitter;
import dev.weft.topics.DeadLetterHeaders;
import dev.weft.topics.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The completion sink: one member of the consumer group {@value #GROUP} on run-events, writing each event's history
 * objects ({@link HistoryRecords}) to a {@link HistoryStore}.
 *
 * <p><b>Exactly once in effect.</b> Each event's objects have keys and bodies that depend on the event alone, each is
 * created only if absent, and a partition's offset is committed only after every object of every record before it
 * was created or found present. A sink killed at any point has committed nothing it has not written, so the next
 * member reads those records again; what it writes again finds its objects there and skips them. No object is lost,
 * and none is written twice.
 *
 * <p>A write that fails is not skipped: the partition is rewound to that record, the offsets of what was written are
 * committed, and the record is tried again after a backoff (up to 30 s), with a log line that says which object and
 * where. The consumer keeps polling meanwhile, so it stays in its group. An event that does not decode (or is keyed
 * by another run id) goes to dead-letter under the project's one contract ({@link DeadLetterHeaders}), and the sink
 * moves on. A schema registry that does not answer is not bad input: the record is read again.
 *
 * <p>Nothing is kept in memory between records.
 */
public final class CompletionSink implements AutoCloseable {
  public static final String GROUP = "weft-completion-sink";
  private static final Logger LOG = LoggerFactory.getLogger(CompletionSink.class);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /**
   * @param instanceId the static group member id (a restart under the same id takes its partitions back at once), or
   *     null for a dynamic member
   * @param lineage sends each attempt's OpenLineage event once its history is written, or null for no lineage
   */
  public record Config(String bootstrapServers, Deserializer<RunEvent> deserializer, Topics topics, String groupId,
      String instanceId, HistoryStore store, LineageEmitter lineage, Map<String, Object> clientProperties) {
    public Config {
      clientProperties = Map.copyOf(clientProperties == null ? Map.of() : clientProperties);
    }

    public static Config of(String bootstrapServers, Deserializer<RunEvent> deserializer, Topics topics,
        HistoryStore store) {
      // Weft's own prefix keeps the plain group name; another prefix is another Weft, with its own group.
      String group = topics.equals(Topics.DEFAULT) ? GROUP : topics.prefix() + "completion-sink";
      return new Config(bootstrapServers, deserializer, topics, group, null, store, null, Map.of());
    }

    public Config withInstanceId(String id) {
      return new Config(bootstrapServers, deserializer, topics, groupId, id, store, lineage, clientProperties);
    }

    public Config withLineage(LineageEmitter l) {
      return new Config(bootstrapServers, deserializer, topics, groupId, instanceId, store, l, clientProperties);
    }

    /**
     * Kafka client settings for the sink's consumer and dead-letter producer (SASL, TLS, ...), applied over the
     * sink's own: the operator knows the brokers.
     */
    public Config withClientProperties(Map<String, ?> properties) {
      return new Config(bootstrapServers, deserializer, topics, groupId, instanceId, store, lineage,
          Map.copyOf(properties));
    }
  }

  /** What the sink did since it started, for tests and the log. */
  public record Counts(long written, long alreadyPresent, long deadLettered, long writeFailures) {}

  private final Config config;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaProducer<byte[], byte[]> deadLetters;
  private final Thread thread;
  private volatile boolean running = true;
  private final EndedRuns endedRuns = new EndedRuns();
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong alreadyPresent = new AtomicLong();
  private final AtomicLong deadLettered = new AtomicLong();
  private final AtomicLong writeFailures = new AtomicLong();

  private CompletionSink(Config config) {
    this.config = config;
    this.consumer = new KafkaConsumer<>(consumerSettings(config), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.deadLetters = new KafkaProducer<>(producerSettings(config), new ByteArraySerializer(), new ByteArraySerializer());
    this.thread = new Thread(this::loop, "weft-completion-sink");
  }

  /** Joins the group and starts writing history on its own thread. */
  public static CompletionSink start(Config config) {
    if (config.store() instanceof LocalHistoryStore local) {
      try {
        local.removeLeftovers();
      } catch (IOException e) {
        LOG.warn("could not remove leftover temporary files under {}: {}", local.location(), e.getMessage());
      }
    }
    CompletionSink sink = new CompletionSink(config);
    sink.consumer.subscribe(List.of(config.topics().runEvents()));
    sink.thread.start();
    LOG.info("completion sink writing history to {} (group {})", config.store().location(), config.groupId());
    return sink;
  }

  public Counts counts() {
    return new Counts(written.get(), alreadyPresent.get(), deadLettered.get(), writeFailures.get());
  }

  /** Where it writes. */
  public String location() {
    return config.store().location();
  }

  /**
   * Waits until the sink has written the history of a run that ended (its RUN_FINISHED or RUN_REJECTED, and so every
   * event before it): what a throwaway stack ({@code weft run}) waits for before it stops, so that the run's history
   * is complete.
   *
   * @return false when that did not happen within {@code timeout}
   */
  public boolean awaitRunWritten(String runId, Duration timeout) throws InterruptedException {
    return endedRuns.await(runId, System.nanoTime() + timeout.toNanos(), thread::isAlive);
  }

  private void loop() {
    Duration backoff = Duration.ofMillis(200);
    try {
      while (running) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        String failure = null;
        for (TopicPartition tp : batch.partitions()) {
          boolean whole = true;
          for (ConsumerRecord<byte[], byte[]> rec : batch.records(tp)) {
            String why = handle(rec);
            if (why != null) {
              // Read it again after the backoff; the records after it in this partition are read again too.
              consumer.seek(tp, rec.offset());
              failure = why;
              whole = false;
              break;
            }
            done.put(tp, new OffsetAndMetadata(rec.offset() + 1));
          }
          // The position is past the transaction markers that follow the last record too, so a caught-up sink
          // shows no lag to monitoring.
          if (whole) done.put(tp, new OffsetAndMetadata(consumer.position(tp)));
        }
        if (batch.isEmpty()) positionsPastMarkers(done);
        if (!done.isEmpty()) {
          consumer.commitSync(done);
          done.forEach((tp, o) -> committed.put(tp, o.offset()));
        }
        if (failure != null) {
          writeFailures.incrementAndGet();
          LOG.warn("{}; trying again in {} ms", failure, backoff.toMillis());
          pause(backoff);
          backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        } else {
          backoff = Duration.ofMillis(200);
        }
      }
    } catch (WakeupException e) {
      if (running) throw e;
    } catch (RuntimeException e) {
      LOG.error("completion sink stopped: {}", e.toString(), e);
    }
  }

  /** @return null when the record is done with (written, present, or dead-lettered); otherwise why it must wait */
  private String handle(ConsumerRecord<byte[], byte[]> rec) {
    String topic = rec.topic();
    RunEvent event;
    try {
      if (rec.value() == null) throw new IllegalArgumentException("the record has no value");
      event = config.deserializer().deserialize(topic, rec.headers(), rec.value());
    } catch (SchemaRegistryException e) {
      return "cannot read " + where(rec) + ": the schema registry did not answer (" + e.getMessage() + ")";
    } catch (RuntimeException e) {
      return deadLetter(rec, "cannot decode a record of " + topic + ": " + e.getMessage());
    }
    String key = rec.key() == null ? null : new String(rec.key(), StandardCharsets.UTF_8);
    if (!event.getRunId().equals(key)) {
      return deadLetter(rec, "the record's key " + (key == null ? "is missing" : "'" + key + "'") + " but its runId is '"
          + event.getRunId() + "'; run-events are keyed by runId");
    }
    List<HistoryRecords.HistoryObject> objects;
    try {
      objects = HistoryRecords.of(event);
    } catch (RuntimeException e) {
      return deadLetter(rec, "cannot make history records of " + event.getKind() + " for run '" + event.getRunId()
          + "': " + e.getMessage());
    }
    for (HistoryRecords.HistoryObject o : objects) {
      try {
        if (config.store().create(o.key(), o.body())) {
          written.incrementAndGet();
          LOG.debug("wrote {}", o.key());
        } else {
          alreadyPresent.incrementAndGet();
          LOG.info("{} was already written (a record read again after a restart); skipped", o.key());
        }
      } catch (IOException | RuntimeException e) {
        return "writing " + o.key() + " to " + config.store().location() + " for " + event.getKind() + " of run '"
            + event.getRunId() + "' (" + where(rec) + ") failed: " + e.getMessage();
      }
    }
    // After the history, so a history write that fails and is tried again does not send lineage twice.
    try {
      if (config.lineage() != null) config.lineage().emit(event);
    } catch (LineageEmitter.LineageException e) {
      return e.getMessage() + " (" + where(rec) + ")";
    }
    endedRuns.written(event);
    return null;
  }

  private String deadLetter(ConsumerRecord<byte[], byte[]> rec, String reason) {
    String reporter = "completion-sink/" + (config.instanceId() == null ? config.groupId() : config.instanceId());
    try {
      deadLetters.send(new ProducerRecord<>(config.topics().deadLetter(), null, rec.timestamp(), rec.key(), rec.value(),
          DeadLetterHeaders.of(rec.headers(), reason, rec.topic(), rec.partition(), rec.offset(), reporter)))
          .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while dead-lettering " + where(rec);
    } catch (ExecutionException | TimeoutException e) {
      return "dead-lettering " + where(rec) + " failed: " + e.getMessage();
    }
    deadLettered.incrementAndGet();
    LOG.warn("dead-lettered {}: {}", where(rec), reason);
    return null;
  }

  /**
   * A transaction's commit marker can arrive after its last record was handled: the position then moves on with no
   * record to show for it. Committing it too keeps a caught-up sink at zero lag for monitoring. {@code committed}
   * holds one offset per partition this member committed, only to skip commits that would change nothing.
   */
  private void positionsPastMarkers(Map<TopicPartition, OffsetAndMetadata> done) {
    for (TopicPartition tp : consumer.assignment()) {
      long position = consumer.position(tp);
      Long last = committed.get(tp);
      if (last != null && position > last) done.put(tp, new OffsetAndMetadata(position));
    }
  }

  private void pause(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    // Poll meanwhile (paused partitions return nothing), so that a long outage does not cost the group membership.
    var assigned = consumer.assignment();
    consumer.pause(assigned);
    try {
      while (running && System.nanoTime() < end) consumer.poll(Duration.ofMillis(100));
    } finally {
      consumer.resume(consumer.assignment());
    }
  }

  private static String where(ConsumerRecord<?, ?> rec) {
    return rec.topic() + "-" + rec.partition() + "@" + rec.offset();
  }

  private static Properties consumerSettings(Config c) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, c.groupId());
    if (c.instanceId() != null) p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, c.instanceId());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "weft-completion-sink" + (c.instanceId() == null ? "" : "-" + c.instanceId()));
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // The coordinator writes run-events in transactions: only what it committed is history.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
    // A close waits for the fetch parked at the broker, which answers a connection's requests in order: 500 ms by
    // default, most of the sink's close after `weft run` (2026-12-02). An idle fetch now returns five times as often.
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    p.putAll(c.clientProperties());
    return p;
  }

  private static Properties producerSettings(Config c) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "weft-completion-sink-dead-letter");
    p.putAll(c.clientProperties());
    return p;
  }

  /** Stops within about 10 s: the current record is finished, its offset committed, and the group left. */
  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // The loop thread owns the consumer; it has returned (or is stuck in a write, whose record is read again).
    if (!thread.isAlive()) consumer.close(Duration.ofSeconds(2));
    deadLetters.close(Duration.ofSeconds(1));
    if (config.lineage() != null) config.lineage().close();
    config.store().close();
  }
}
