package dev.weft.bench;

import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.coordinator.Coordinator;
import dev.weft.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Kafka Streams' own floor for dispatch: the hop of {@link ExactlyOnceRelay} as a Kafka Streams application on the
 * coordinator's settings (exactly_once_v2, the commit interval, {@code poll.ms}, the producer's settings), writing
 * what the coordinator wrote a task at the same load ({@link HopWrites}). It decodes the event, as the coordinator
 * does, but keeps no store, decides nothing and asks for no commit: it commits on Streams' own interval, counted from
 * the end of the last commit, with the flush, the offsets and the end of the transaction one after another on the
 * stream thread. (Its records carry one header more than the coordinator's, the topic each is for: some 25 bytes.)
 *
 * <p>Why: the relays that batch commit on a cycle counted from the start of their last commit and send their records
 * while they poll, which Kafka Streams cannot do. The gap between them and this one is what Streams' commit loop costs
 * at the load; the gap between this one and the coordinator is what Weft's deciding and state add to it.
 */
final class StreamsRelay implements AutoCloseable {
  private static final String TOPIC_HEADER = "weft-bench-topic";

  private final KafkaStreams streams;
  private final BenchCluster cluster;
  private final HopWrites seedWrites;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  StreamsRelay(BenchCluster cluster, Topics topics, Path stateDir, List<TransactionCost.TopicWrites> alsoWrites) {
    this.cluster = cluster;
    this.seedWrites = new HopWrites(cluster, topics, List.of());
    Deserializer<TaskEvent> events = cluster.serdes.taskEvent().deserializer();
    Topology t = new Topology();
    t.addSource("events", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topics.taskEvents());
    t.addProcessor("hop", () -> new Processor<String, byte[], String, byte[]>() {
      private final HopWrites writes = new HopWrites(cluster, topics, alsoWrites);
      private ProcessorContext<String, byte[]> ctx;

      @Override
      public void init(ProcessorContext<String, byte[]> context) {
        ctx = context;
      }

      @Override
      public void process(Record<String, byte[]> r) {
        TaskEvent e = events.deserialize(topics.taskEvents(), r.value());
        if (e == null || e.getKind() != TaskEventKind.SUCCEEDED) return;
        int i = Shapes.chainIndex(e.getTaskId());
        if (i < 0) return;
        for (HopWrites.Write w : writes.of(e.getRunId(), Shapes.chainTask(i + 1))) {
          Record<String, byte[]> out = new Record<>(w.key(), w.value(), r.timestamp());
          out.headers().add(TOPIC_HEADER, w.topic().getBytes(StandardCharsets.UTF_8));
          ctx.forward(out);
        }
      }
    }, "events");
    t.addSink("out", (key, value, context) -> {
      Header h = context.headers().lastHeader(TOPIC_HEADER);
      return new String(h.value(), StandardCharsets.UTF_8);
    }, new StringSerializer(), new ByteArraySerializer(), "hop");

    long interval = cluster.options.commitIntervalMs();
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, topics.prefix() + "streams-relay");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, interval);
    p.put(StreamsConfig.POLL_MS_CONFIG, Coordinator.pollMs(interval));
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    Coordinator.producerSettings().forEach((k, v) -> p.put(StreamsConfig.producerPrefix(k), v));
    streams = new KafkaStreams(t, p);
    streams.setUncaughtExceptionHandler(e -> {
      failure.compareAndSet(null, e);
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
  }

  /** Starts it and waits until its partitions are assigned. */
  StreamsRelay start() throws InterruptedException {
    streams.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (failure.get() != null || System.nanoTime() > deadline) {
        throw new IllegalStateException("the Kafka Streams relay did not start (state " + streams.state() + ")",
            failure.get());
      }
      Thread.sleep(20);
    }
    return this;
  }

  /** Writes the first command of each chain, as the coordinator would when it accepts the run. */
  void seed(List<String> runIds) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (String runId : runIds) {
        for (HopWrites.Write w : seedWrites.of(runId, Shapes.chainTask(0))) {
          producer.send(new ProducerRecord<>(w.topic(), w.key(), w.value()));
        }
      }
    }
  }

  /** Its stream thread's metrics, its producer's among them (Kafka Streams' {@code commit-total} counts its commits). */
  Map<MetricName, ? extends Metric> metrics() {
    return streams.metrics();
  }

  Throwable failure() {
    return failure.get();
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
  }
}
