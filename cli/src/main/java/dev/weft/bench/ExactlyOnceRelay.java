package dev.weft.bench;

import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.coordinator.Coordinator;
import dev.weft.topics.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka's own floor for dispatch latency: a bare exactly-once hop from a task's SUCCEEDED to the next task's
 * command. It reads task events (read_committed) and, for each SUCCEEDED of chain task {@code c(i)}, writes the
 * command of {@code c(i+1)} in a transaction with its consumer offsets. It keeps no state and decides nothing, with
 * the coordinator's producer settings. Two ways to commit:
 *
 * <ul>
 *   <li><b>eager</b> ({@code commitIntervalMs} 0): a transaction per poll that returned anything, committed at once;
 *       what arrives during a commit goes into the next one. Best when hops come one at a time; under load it commits
 *       back to back, even for a poll of only STARTED records.
 *   <li><b>batching</b>: as Kafka Streams commits, one transaction spans polls and is committed once the commit
 *       interval has passed since the last commit (at once when the relay had been idle that long).
 * </ul>
 *
 * The dispatch section runs both under the same pacer and reader as the coordinator, at the same offered loads, and
 * the eager one alone (one hop at a time). It also runs the batching one <b>writing what the coordinator writes</b>:
 * beside each command, as many records a task to each of the coordinator's other topics (its stores' changelogs, the
 * run events), of the same sizes, as the coordinator wrote at that load. That relay still keeps no state and decides
 * nothing: the gap between it and the plain one is what the records cost Kafka, and the gap between the coordinator
 * and it is what Weft's deciding and Kafka Streams' commit cost.
 */
final class ExactlyOnceRelay implements AutoCloseable {
  private final KafkaConsumer<String, TaskEvent> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final HopWrites writes;
  private final Thread thread;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final long commitIntervalMs;
  private final AtomicLong transactions = new AtomicLong();

  /** @param commitIntervalMs 0 for the eager relay, else the batching one's commit interval */
  ExactlyOnceRelay(BenchCluster cluster, Topics topics, long commitIntervalMs) {
    this(cluster, topics, commitIntervalMs, List.of());
  }

  /**
   * @param alsoWrites records a task to write beside each command, to these topics under the relay's prefix (created
   *     by the caller); an entry for the command topic itself is left out
   */
  ExactlyOnceRelay(BenchCluster cluster, Topics topics, long commitIntervalMs,
      List<TransactionCost.TopicWrites> alsoWrites) {
    this.commitIntervalMs = commitIntervalMs;
    this.writes = new HopWrites(cluster, topics, alsoWrites);
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, topics.prefix() + "relay");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), cluster.serdes.taskEvent().deserializer());
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, topics.prefix() + "relay");
    p.putAll(Coordinator.producerSettings());
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    producer.initTransactions();
    consumer.subscribe(List.of(topics.taskEvents()));
    thread = new Thread(this::loop, "weft-bench-relay");
    thread.setDaemon(true);
  }

  ExactlyOnceRelay start() {
    thread.start();
    return this;
  }

  /** Writes the first command of each chain, as the coordinator would when it accepts the run. */
  void seed(List<String> runIds) {
    producer.beginTransaction();
    for (String runId : runIds) send(runId, Shapes.chainTask(0));
    producer.commitTransaction();
    transactions.incrementAndGet();
  }

  /** Transactions committed so far, the seed's included. */
  long transactions() {
    return transactions.get();
  }

  /** Its producer's metrics (transaction times, records sent by topic). */
  Map<MetricName, ? extends Metric> metrics() {
    return producer.metrics();
  }

  Throwable failure() {
    return failure.get();
  }

  private void loop() {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      boolean open = false;
      long lastCommitMs = System.currentTimeMillis();
      while (!Thread.currentThread().isInterrupted()) {
        long waitMs = open ? Math.max(0, lastCommitMs + commitIntervalMs - System.currentTimeMillis()) : 100;
        ConsumerRecords<String, TaskEvent> records = consumer.poll(Duration.ofMillis(waitMs));
        if (!records.isEmpty()) {
          if (!open) producer.beginTransaction();
          open = true;
          for (ConsumerRecord<String, TaskEvent> r : records) {
            offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
            TaskEvent e = r.value();
            if (e == null || e.getKind() != TaskEventKind.SUCCEEDED) continue;
            int i = Shapes.chainIndex(e.getTaskId());
            if (i < 0) continue;
            send(e.getRunId(), Shapes.chainTask(i + 1));
          }
        }
        long now = System.currentTimeMillis();
        if (open && now - lastCommitMs >= commitIntervalMs) {
          producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
          producer.commitTransaction();
          transactions.incrementAndGet();
          offsets.clear();
          open = false;
          lastCommitMs = now;
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      failure.compareAndSet(null, e);
    }
  }

  private void send(String runId, String taskId) {
    for (HopWrites.Write w : writes.of(runId, taskId)) producer.send(new ProducerRecord<>(w.topic(), w.key(), w.value()));
  }

  @Override
  public void close() throws InterruptedException {
    consumer.wakeup();
    thread.join(10_000);
    producer.close(Duration.ofSeconds(5));
    consumer.close(Duration.ofSeconds(5));
  }
}
