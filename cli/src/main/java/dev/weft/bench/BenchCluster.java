package dev.weft.bench;

import dev.weft.avro.RequestKind;
import dev.weft.avro.RunRequest;
import dev.weft.coordinator.Coordinator;
import dev.weft.coordinator.CoordinatorConfig;
import dev.weft.coordinator.CoordinatorReplay;
import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.embedded.EmbeddedKafka;
import dev.weft.embedded.EmbeddedRegistry;
import dev.weft.executor.ExecutorConfig;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.noop.NoopBackend;
import dev.weft.serde.WeftSerdes;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import dev.weft.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The benchmark's own Weft: an embedded broker and registry (or existing ones), topics under a prefix of the
 * benchmark's own, and coordinators and noop executors started on demand with the settings the benchmark reports.
 */
final class BenchCluster implements AutoCloseable {
  final BenchOptions options;
  final String id = UUID.randomUUID().toString().substring(0, 8);
  private EmbeddedKafka kafka;
  private EmbeddedRegistry registry;
  final String bootstrap;
  final String registryUrl;
  final WeftSerdes serdes;
  final Admin admin;
  private final KafkaProducer<String, RunRequest> requests;

  BenchCluster(BenchOptions options) {
    this.options = options;
    if (options.bootstrap() == null) {
      CompletableFuture<EmbeddedRegistry> reg = CompletableFuture.supplyAsync(
          () -> EmbeddedRegistry.start(options.dataDir().resolve("registry"), 0));
      try {
        // Compiled as a deployed broker is: the warm-up rounds give C2 its time, and every section measures after
        // them (docs/performance.md, "The benchmark's broker compiles as a deployed one").
        kafka = EmbeddedKafka.start(options.dataDir().resolve("kafka"), 0, EmbeddedKafka.Security.PLAINTEXT,
            EmbeddedKafka.Placement.CHILD_JVM_OPTIMISED);
      } finally {
        registry = reg.join();
      }
      bootstrap = kafka.bootstrapServers();
      registryUrl = registry.url();
    } else {
      bootstrap = options.bootstrap();
      registryUrl = options.registry();
    }
    serdes = new WeftSerdes(registryUrl);
    Properties a = new Properties();
    a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    admin = Admin.create(a);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    requests = new KafkaProducer<>(p, new StringSerializer(), serdes.runRequest().serializer());
  }

  /** A fresh topic prefix for one section, so sections never read each other's records. */
  Topics topics(String section) {
    return new Topics("bench-" + id + "-" + section + ".");
  }

  Path stateDir(String name) {
    return options.dataDir().resolve("state").resolve(name + "-" + id);
  }

  /** Creates every Weft topic under the prefix. */
  void createTopics(Topics topics) {
    createTopics(topics, Set.of());
  }

  /**
   * Creates every Weft topic under the prefix; the broker stamps the records of {@code appendTimeTopics} with the time
   * it appended them ({@code LogAppendTime}), which the dispatch and single sections measure hops by.
   */
  void createTopics(Topics topics, Set<String> appendTimeTopics) {
    List<NewTopic> list = new ArrayList<>();
    for (String name : topics.all(PipelineSpecs.EXECUTORS.stream().sorted().toList())) {
      NewTopic t = new NewTopic(name, options.partitions(), (short) 1);
      Map<String, String> cfg = new HashMap<>(Map.of("max.message.bytes", Integer.toString(EmbeddedKafka.MAX_MESSAGE_BYTES)));
      if (appendTimeTopics.contains(name)) cfg.put("message.timestamp.type", "LogAppendTime");
      list.add(t.configs(cfg));
    }
    createTopics(list);
  }

  void createTopics(Collection<NewTopic> list) {
    try {
      for (var e : admin.createTopics(list).values().entrySet()) {
        try {
          e.getValue().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException ex) {
          if (!(ex.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause(), ex.getCause());
          }
        }
      }
      List<String> names = list.stream().map(NewTopic::name).toList();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
          return;
        } catch (ExecutionException e) {
          // Created by the controller, not yet known to the broker: ask again shortly.
          if (System.nanoTime() > deadline) throw new IllegalStateException("topics " + names + " did not appear", e);
          Thread.sleep(50);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the broker at " + bootstrap + " did not answer within 30 s", e);
    }
  }

  /** The coordinator exactly as the service runs it, but with the benchmark's commit interval and no query API. */
  Coordinator startCoordinator(Topics topics, String appId, Path stateDir, CoordinatorOptions coordinatorOptions) {
    return startCoordinator(topics, appId, stateDir, coordinatorOptions, options.commitIntervalMs());
  }

  Coordinator startCoordinator(Topics topics, String appId, Path stateDir, CoordinatorOptions coordinatorOptions,
      long commitIntervalMs) {
    CoordinatorConfig c = CoordinatorConfig.defaults(bootstrap, stateDir).withTopics(topics).withApplicationId(appId)
        .withApiPort(-1).withCommitIntervalMs(commitIntervalMs).withStreamThreads(options.threads())
        .withOptions(coordinatorOptions);
    return Coordinator.start(c, serdes, Duration.ofSeconds(120));
  }

  /**
   * A noop executor instance. Its concurrency limit is raised: noop attempts finish inside launch, so the default
   * limit (16, sized for real processes) would only cap how many commands one poll batch, and so one executor
   * transaction, may carry.
   */
  ExecutorRuntime startNoopExecutor(Topics topics, String name) {
    return startExecutor(topics, name, topics.prefix() + "noop", new NoopBackend(), 100_000);
  }

  /** A started executor instance of group {@code groupId} on {@code backend}, running at most that many at once. */
  ExecutorRuntime startExecutor(Topics topics, String instanceId, String groupId, ExecutorBackend backend,
      int maxConcurrent) {
    ExecutorConfig config = ExecutorConfig.builder(bootstrap, serdes.taskCommand(), serdes.taskEvent())
        .topics(topics).instanceId(instanceId).groupId(groupId).maxConcurrent(maxConcurrent).build();
    ExecutorRuntime r = new ExecutorRuntime(config, backend);
    r.start();
    return r;
  }

  /** Publishes a SUBMIT request without waiting for the broker's ack (callers flush). */
  void submit(Topics topics, String runId, String specJson) {
    RunRequest r = RunRequest.newBuilder().setKind(RequestKind.SUBMIT).setRunId(runId)
        .setRequestedAtMs(System.currentTimeMillis()).setRequester("weft-bench").setSpecJson(specJson)
        .setParams(new HashMap<>()).build();
    requests.send(new ProducerRecord<>(topics.requests(), runId, r), (m, e) -> {
      if (e != null) System.err.println("weft bench: could not publish request " + runId + ": " + e);
    });
  }

  void flush() {
    requests.flush();
  }

  /** Latest offsets of every partition of the topics, keyed "topic:partition" as the coordinator's catch-up wants. */
  Map<String, Long> endOffsets(List<String> topicNames) {
    try {
      Map<String, TopicDescription> d = admin.describeTopics(topicNames).allTopicNames().get(30, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetSpec> q = new HashMap<>();
      d.forEach((name, desc) -> desc.partitions().forEach(p -> q.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
      Map<String, Long> out = new HashMap<>();
      admin.listOffsets(q).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp.topic() + ":" + tp.partition(), info.offset()));
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot read end offsets of " + topicNames + " at " + bootstrap + ": " + e, e);
    }
  }

  /** Records of {@code ends} ("topic:partition" keys) that a Streams application has folded and committed. */
  long folded(String applicationId, Map<String, Long> ends) {
    Map<TopicPartition, Long> byPartition = new HashMap<>();
    ends.forEach((k, v) -> {
      int colon = k.lastIndexOf(':');
      byPartition.put(new TopicPartition(k.substring(0, colon), Integer.parseInt(k.substring(colon + 1))), v);
    });
    return CoordinatorReplay.folded(admin, applicationId, byPartition);
  }

  @Override
  public void close() {
    requests.close(Duration.ofSeconds(5));
    admin.close(Duration.ofSeconds(5));
    if (registry != null) registry.close();
    if (kafka != null) kafka.close();
  }

  /**
   * Submits {@code count} runs of {@code spec} at once, ids {@code tag-i-<bench id>}.
   *
   * @return seconds from the first publish to the last RunFinished read
   */
  double runAll(Topics topics, RunWatcher watcher, PipelineSpec spec, int count, String tag, Duration timeout)
      throws Exception {
    String json = PipelineSpecs.toJson(spec);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) ids.add(tag + "-" + i + "-" + id);
    long start = System.nanoTime();
    for (String runId : ids) submit(topics, runId, json);
    flush();
    return (watcher.awaitAll(ids, timeout) - start) / 1e9;
  }
}
