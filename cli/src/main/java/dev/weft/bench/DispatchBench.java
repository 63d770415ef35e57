package dev.weft.bench;

import dev.weft.avro.CommandKind;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.coordinator.Coordinator;
import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.spec.PipelineSpecs;
import dev.weft.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Dispatch latency: how long after a task's SUCCEEDED is in the log the next task's command can be read by an
 * executor. The benchmark plays the executor itself, on a prefix of its own, so it controls the offered load and
 * sees both ends:
 *
 * <ul>
 *   <li>chains of tasks are submitted, so each run has exactly one task ready at a time;
 *   <li>a read_committed consumer of {@code commands.noop} notes when each command became readable (wall clock at
 *       the poll that returned it) and queues it;
 *   <li>a pacer takes queued commands at the offered rate and publishes STARTED and SUCCEEDED for each. The
 *       task-events topic stamps records with the broker's append time ({@code message.timestamp.type=
 *       LogAppendTime}), and the producer's ack carries that stamp: the moment the SUCCEEDED was appended.
 * </ul>
 *
 * Latency of task {@code c(i+1)} = readable time of its command − append time of {@code c(i)}'s SUCCEEDED. Both
 * clocks are this machine's (the embedded broker is a child process here), read in milliseconds.
 *
 * <p>The same pacer and reader also measure {@link ExactlyOnceRelay} in the coordinator's place, Kafka's floor: a bare
 * exactly-once hop between the two topics, at the same load and alone.
 */
final class DispatchBench {
  /** What turns a SUCCEEDED into the next command. */
  enum Dispatcher {
    /** Weft's coordinator, exactly as the service runs it. */
    COORDINATOR,
    /** Kafka's floor: {@link ExactlyOnceRelay}, a bare exactly-once hop that commits as soon as it has anything. */
    RELAY,
    /** Kafka's other floor: the same hop committing on the coordinator's commit interval, as Kafka Streams does. */
    BATCHING_RELAY,
    /**
     * The batching relay writing, beside each command, what the coordinator wrote a task at the same load (its
     * changelogs, its run events): what those records cost Kafka, with no decision and no store.
     */
    RECORDS_RELAY,
    /**
     * Kafka Streams' floor: {@link StreamsRelay}, the same hop as a Streams application on the coordinator's settings,
     * writing what the coordinator wrote a task, committing on Streams' interval: what Streams' commit loop costs.
     */
    STREAMS_RELAY;

    /** Whether it writes what the coordinator wrote a task, which it needs to be given. */
    boolean copiesCoordinatorRecords() {
      return this == RECORDS_RELAY || this == STREAMS_RELAY;
    }
  }

  /**
   * The figures at one offered load.
   *
   * @param missing completions measured whose next command no reader saw within the window: counted, never dropped
   * @param transactions what the dispatcher's transactions cost while the load was offered
   */
  record Result(int offeredRate, double achievedRate, int samples, int missing, double p50, double p99, double max,
      TransactionCost transactions) {}

  private record Ready(String runId, String taskId, int attempt) {}

  private static final AtomicInteger MEASUREMENTS = new AtomicInteger();

  private final BenchCluster cluster;
  /** What {@link Dispatcher#RECORDS_RELAY} and {@link Dispatcher#STREAMS_RELAY} write a task; empty for the others. */
  private final List<TransactionCost.TopicWrites> copied;

  DispatchBench(BenchCluster cluster) {
    this(cluster, List.of());
  }

  DispatchBench(BenchCluster cluster, List<TransactionCost.TopicWrites> copied) {
    this.cluster = cluster;
    this.copied = copied;
  }

  /** Latency at an offered load of {@code rate} tasks/s. */
  Result run(Dispatcher dispatcher, int rate, int seconds) throws Exception {
    if (dispatcher.copiesCoordinatorRecords() && copied.isEmpty()) {
      throw new IllegalArgumentException("the relay writing the coordinator's records needs what the coordinator wrote");
    }
    // Enough chains that a command is always queued when the pacer wants one, even at 100 ms of latency.
    return measure(dispatcher, rate, seconds, Math.max(10, rate / 10));
  }

  /**
   * The latency of one exactly-once hop with the broker to itself: the relay fed one chain, so one SUCCEEDED at a
   * time (without its STARTED, which would cost a transaction of its own). No dispatcher, at any load, can beat it.
   */
  Result idleHop(int seconds) throws Exception {
    return measure(Dispatcher.RELAY, 1_000, seconds, 1);
  }

  private Result measure(Dispatcher dispatcher, int rate, int seconds, int chains) throws Exception {
    // A name of its own per measurement: the same load may be measured twice in one benchmark (--rate 1000,1000).
    String name = dispatcher.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + rate + "x" + chains + "-"
        + MEASUREMENTS.incrementAndGet();
    Topics topics = cluster.topics(name);
    cluster.createTopics(topics, Set.of(topics.taskEvents()));
    if (dispatcher.copiesCoordinatorRecords()) createCopiedTopics(topics);

    Map<String, Long> readableMs = new ConcurrentHashMap<>();
    Map<String, Long> appendedMs = new ConcurrentHashMap<>();
    LinkedBlockingQueue<Ready> queue = new LinkedBlockingQueue<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();

    try (AutoCloseable hop = start(dispatcher, topics, name);
        KafkaConsumer<String, TaskCommand> consumer = commandConsumer(topics);
        KafkaProducer<String, TaskEvent> producer = eventProducer()) {
      Thread reader = new Thread(() -> {
        try {
          while (!Thread.currentThread().isInterrupted()) {
            var records = consumer.poll(Duration.ofMillis(100));
            long now = System.currentTimeMillis();
            for (ConsumerRecord<String, TaskCommand> r : records) {
              TaskCommand c = r.value();
              if (c == null || c.getKind() != CommandKind.RUN) continue;
              readableMs.putIfAbsent(key(c.getRunId(), c.getTaskId()), now);
              queue.add(new Ready(c.getRunId(), c.getTaskId(), c.getAttempt()));
            }
          }
        } catch (WakeupException e) {
          // stopping
        } catch (RuntimeException e) {
          failure.set(e);
        }
      }, "weft-bench-dispatch-reader");
      reader.setDaemon(true);
      reader.start();

      List<String> runIds = new ArrayList<>();
      for (int i = 0; i < chains; i++) runIds.add("chain-" + rate + "-" + i + "-" + cluster.id);
      if (hop instanceof ExactlyOnceRelay relay) {
        relay.seed(runIds);
        relay.start();
      } else if (hop instanceof StreamsRelay relay) {
        relay.start().seed(runIds);
      } else {
        // Long enough that no chain ends within the measurement, even if its share of the load runs 1.5 times fast.
        int length = (int) Math.ceil(rate * (double) seconds / chains * 1.5) + 5;
        String spec = PipelineSpecs.toJson(Shapes.chain("bench-chain", length));
        for (String runId : runIds) cluster.submit(topics, runId, spec);
        cluster.flush();
      }
      // Start the clock once every chain's first command is queued: the coordinator is warm and every chain live.
      long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (queue.size() < chains) {
        if (failure.get() != null) throw new IllegalStateException("reading commands failed", failure.get());
        if (System.nanoTime() > waitUntil) {
          throw new IllegalStateException("only " + queue.size() + " of " + chains + " chains were dispatched within 60 s");
        }
        Thread.sleep(5);
      }

      long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
      TransactionCost.Snapshot before = transactionsOf(hop, topics);
      long t0 = System.nanoTime();
      long startMs = System.currentTimeMillis();
      long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
      long sent = 0;
      for (long k = 0; ; k++) {
        long due = t0 + k * periodNanos;
        if (due >= end) break;
        long wait = due - System.nanoTime();
        if (wait > 0) LockSupport.parkNanos(wait);
        Ready c = queue.poll(1, TimeUnit.SECONDS);
        if (c == null) {
          if (failure.get() != null) throw new IllegalStateException("reading commands failed", failure.get());
          continue;
        }
        long now = System.currentTimeMillis();
        // One chain is the idle hop (idleHop): its STARTED would cost the relay a transaction of its own.
        if (chains > 1) {
          producer.send(new ProducerRecord<>(topics.taskEvents(), c.runId(), event(TaskEventKind.STARTED, c, now)));
        }
        String k2 = key(c.runId(), c.taskId());
        producer.send(new ProducerRecord<>(topics.taskEvents(), c.runId(), event(TaskEventKind.SUCCEEDED, c, now)),
            (meta, e) -> {
              if (e == null) appendedMs.put(k2, meta.timestamp());
              else failure.compareAndSet(null, e);
            });
        sent++;
      }
      double elapsed = (System.nanoTime() - t0) / 1e9;
      TransactionCost transactions = new TransactionCost(before, transactionsOf(hop, topics), elapsed, sent);
      producer.flush();
      // Let the commands that follow the last completions arrive.
      Thread.sleep(Math.max(500, 10 * cluster.options.commitIntervalMs()));
      consumer.wakeup();
      reader.join(5_000);
      if (failure.get() != null) throw new IllegalStateException("the dispatch benchmark failed", failure.get());
      if (hop instanceof ExactlyOnceRelay relay && relay.failure() != null) {
        throw new IllegalStateException("the exactly-once relay failed", relay.failure());
      }
      if (hop instanceof StreamsRelay relay && relay.failure() != null) {
        throw new IllegalStateException("the Kafka Streams relay failed", relay.failure());
      }

      // Discard the first fifth (at most 2 s): caches fill and the first transactions of each client are slower.
      long warmupEndMs = startMs + Math.min(2_000, seconds * 1000L / 5);
      List<Long> lat = new ArrayList<>();
      int missing = 0;
      for (var e : appendedMs.entrySet()) {
        String key = e.getKey();
        long appendedAt = e.getValue();
        if (appendedAt < warmupEndMs) continue;
        int slash = key.lastIndexOf('/');
        int i = Shapes.chainIndex(key.substring(slash + 1));
        if (i < 0) continue;
        Long readable = readableMs.get(key(key.substring(0, slash), Shapes.chainTask(i + 1)));
        if (readable != null) lat.add(readable - appendedAt);
        else missing++;
      }
      if (lat.isEmpty()) throw new IllegalStateException("no dispatch latency sample at " + rate + " tasks/s");
      long[] a = lat.stream().mapToLong(Long::longValue).sorted().toArray();
      return new Result(rate, sent / elapsed, a.length, missing, percentile(a, 0.50), percentile(a, 0.99),
          a[a.length - 1], transactions);
    }
  }

  private AutoCloseable start(Dispatcher dispatcher, Topics topics, String name) {
    return switch (dispatcher) {
      case COORDINATOR -> cluster.startCoordinator(topics, topics.prefix() + "coordinator", cluster.stateDir(name),
          CoordinatorOptions.DEFAULT);
      case RELAY -> new ExactlyOnceRelay(cluster, topics, 0);
      case BATCHING_RELAY -> new ExactlyOnceRelay(cluster, topics, cluster.options.commitIntervalMs());
      case RECORDS_RELAY -> new ExactlyOnceRelay(cluster, topics, cluster.options.commitIntervalMs(), copied);
      case STREAMS_RELAY -> new StreamsRelay(cluster, topics, cluster.stateDir(name), copied);
    };
  }

  /**
   * The coordinator's topics that Weft's own set lacks (its stores' changelogs), compacted as Streams makes them; the
   * others exist already.
   */
  private void createCopiedTopics(Topics topics) {
    List<NewTopic> list = new ArrayList<>();
    for (TransactionCost.TopicWrites w : copied) {
      NewTopic t = new NewTopic(topics.prefix() + w.topic(), cluster.options.partitions(), (short) 1);
      if (w.topic().endsWith("-changelog")) t.configs(Map.of("cleanup.policy", "compact"));
      list.add(t);
    }
    cluster.createTopics(list);
  }

  /**
   * The dispatcher's transaction counters now. A Kafka Streams application's count (the coordinator's, the Streams
   * relay's) is its stream threads' commits ({@code commit-total}: one transaction each under exactly_once_v2), the
   * relay counts its own.
   */
  private static TransactionCost.Snapshot transactionsOf(AutoCloseable hop, Topics topics) {
    if (hop instanceof ExactlyOnceRelay relay) {
      return TransactionCost.Snapshot.of(relay.transactions(), relay.metrics(), topics.prefix());
    }
    Map<MetricName, ? extends Metric> metrics = hop instanceof StreamsRelay relay ? relay.metrics()
        : ((Coordinator) hop).streams().metrics();
    double commits = 0;
    for (var e : metrics.entrySet()) {
      if (e.getKey().group().equals("stream-thread-metrics") && e.getKey().name().equals("commit-total")
          && e.getValue().metricValue() instanceof Double v) {
        commits += v;
      }
    }
    return TransactionCost.Snapshot.of(commits, metrics, topics.prefix());
  }

  static double percentile(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private TaskEvent event(TaskEventKind kind, Ready c, long now) {
    TaskEvent.Builder b = TaskEvent.newBuilder().setKind(kind).setRunId(c.runId()).setTaskId(c.taskId())
        .setAttempt(c.attempt()).setAtMs(now).setSource("weft-bench");
    if (kind == TaskEventKind.SUCCEEDED) b.setExitCode(0);
    return b.build();
  }

  private KafkaConsumer<String, TaskCommand> commandConsumer(Topics topics) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap);
    // What an executor sees: only committed coordinator transactions. Fetch settings are the executor's (defaults).
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<String, TaskCommand> c = new KafkaConsumer<>(p, new StringDeserializer(), cluster.serdes.taskCommand().deserializer());
    List<TopicPartition> parts = c.partitionsFor(topics.commands("noop"), Duration.ofSeconds(30)).stream()
        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    c.assign(parts);
    c.seekToBeginning(parts);
    return c;
  }

  private KafkaProducer<String, TaskEvent> eventProducer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    return new KafkaProducer<>(p, new StringSerializer(), cluster.serdes.taskEvent().serializer());
  }

  private static String key(String runId, String taskId) {
    return runId + "/" + taskId;
  }
}
