package dev.weft.bench;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The limit: a Kafka Streams application that reads and writes as many records per task as the coordinator did
 * in the throughput section, with the same guarantee (exactly_once_v2), commit interval, thread count, partitions
 * and producer linger, but decides nothing (no store, no decoding). Its input is written before it starts, so it
 * measures only what Streams and this broker can move; the coordinator's figure also waits on executors.
 */
final class PassthroughBench {
  /** @param tasksPerS tasks' worth of records per second */
  record Result(double tasksPerS, long inputs, long outputs, double seconds) {}

  private final BenchCluster cluster;

  PassthroughBench(BenchCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * @param round          names this round's topics and application, so that warm-up rounds and the measured one
   *                       never mix
   * @param tasks          how many tasks' worth of records to move
   * @param inPerTask      records the coordinator read per task
   * @param outPerTask     records the coordinator wrote per task (commands, run-events, changelogs)
   * @param inBytes        average size of an input record
   * @param outBytes       average size of an output record
   */
  Result run(String round, long tasks, double inPerTask, double outPerTask, int inBytes, int outBytes) throws Exception {
    String prefix = "bench-" + cluster.id + "-passthrough-" + round + ".";
    String in = prefix + "in";
    String out = prefix + "out";
    cluster.createTopics(List.of(new NewTopic(in, cluster.options.partitions(), (short) 1),
        new NewTopic(out, cluster.options.partitions(), (short) 1)));
    long inputs = Math.max(1, Math.round(tasks * inPerTask));
    double outPerIn = outPerTask / inPerTask;
    fill(in, inputs, Math.max(16, inBytes));

    AtomicLong processed = new AtomicLong();
    AtomicLong written = new AtomicLong();
    // Taken on the stream thread: a small input can be processed entirely between two looks of the waiting loop.
    AtomicLong firstNanos = new AtomicLong();
    AtomicLong lastNanos = new AtomicLong();
    byte[] payload = new byte[Math.max(16, outBytes)];
    Topology t = new Topology();
    t.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), in);
    t.addProcessor("pass", () -> new Processor<byte[], byte[], byte[], byte[]>() {
      private ProcessorContext<byte[], byte[]> ctx;
      private double credit;

      @Override
      public void init(ProcessorContext<byte[], byte[]> context) {
        ctx = context;
      }

      @Override
      public void process(Record<byte[], byte[]> r) {
        // Fractional output ratios are met on average: carry the remainder to the next record.
        credit += outPerIn;
        while (credit >= 1) {
          ctx.forward(new Record<>(r.key(), payload, r.timestamp()));
          credit -= 1;
          written.incrementAndGet();
        }
        long now = System.nanoTime();
        firstNanos.compareAndSet(0, now);
        lastNanos.set(now);
        processed.incrementAndGet();
      }
    }, "in");
    t.addSink("out", out, new ByteArraySerializer(), new ByteArraySerializer(), "pass");

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, prefix + "app");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, cluster.options.commitIntervalMs());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, cluster.options.threads());
    p.put(StreamsConfig.STATE_DIR_CONFIG, cluster.stateDir("passthrough").toString());
    p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 2);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    try (KafkaStreams streams = new KafkaStreams(t, p)) {
      streams.start();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (processed.get() < inputs) {
        if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
          throw new IllegalStateException("the passthrough application stopped: " + streams.state());
        }
        if (System.nanoTime() > deadline) throw new IllegalStateException("the passthrough did not finish in 10 minutes");
        Thread.sleep(2);
      }
      double seconds = Math.max(1e-3, (lastNanos.get() - firstNanos.get()) / 1e9);
      streams.close(Duration.ofSeconds(30));
      return new Result(tasks / seconds, inputs, written.get(), seconds);
    }
  }

  private void fill(String topic, long n, int size) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // Order does not matter for filler records, and an idempotent producer flooding a fresh topic has been seen to
    // wedge in an OutOfOrderSequenceException loop on this broker, hanging flush() forever.
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    byte[] value = new byte[size];
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (long i = 0; i < n; i++) {
        // Keys like run ids: spread over the partitions as runs are.
        producer.send(new ProducerRecord<>(topic, ("run-" + (i % 997)).getBytes(), value));
      }
      producer.flush();
    }
  }
}
