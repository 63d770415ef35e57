package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.RequestKind;
import dev.weft.avro.RunRequest;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.executor.noop.NoopBackend;
import dev.weft.spec.PipelineSpecs;
import dev.weft.topics.DeadLetterHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Invariant 3: an invalid or malformed request yields a clear RunRejected and/or a dead-letter record, never a silent
 * drop, a crash loop or damage to other runs. The requests are published straight to the requests topic (as any
 * producer could), bypassing the client's own validation, so it is the coordinator that must catch them. An
 * {@link IsolatedWeft} keeps the dead-letter topic to this test.
 */
class InvalidInputEndToEndTest {
  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static IsolatedWeft weft;

  @BeforeAll
  static void start() {
    weft = new IsolatedWeft("invalid-input", 2);
    weft.startExecutor(new NoopBackend());
  }

  @AfterAll
  static void stop() {
    if (weft != null) weft.close();
  }

  @Test
  void shouldRejectEveryInvalidRequestWithItsReasonAndKeepRunningValidOnes() throws Exception {
    String tag = UUID.randomUUID().toString().substring(0, 6);
    String cycle = """
        pipeline: cyclic
        tasks:
          - {id: a, executor: noop, dependsOn: [c]}
          - {id: b, executor: noop, dependsOn: [a]}
          - {id: c, executor: noop, dependsOn: [b]}
        """;
    String unknownDependency = """
        pipeline: dangling
        tasks:
          - {id: a, executor: noop}
          - {id: b, executor: noop, dependsOn: [a, ghost]}
        """;
    String unknownExecutor = """
        pipeline: teleporting
        tasks:
          - {id: a, executor: teleport}
        """;
    String valid = """
        pipeline: fine
        tasks:
          - {id: a, executor: noop}
          - {id: b, executor: noop, dependsOn: [a]}
        """;

    SubmittedRun cycleRun = publishRaw("cycle-" + tag, cycle);
    SubmittedRun danglingRun = publishRaw("dangling-" + tag, unknownDependency);
    SubmittedRun teleportRun = publishRaw("teleport-" + tag, unknownExecutor);
    String garbageKey = "garbage-" + tag;
    publishBytes(garbageKey, "this is not Avro {\u0000\u0001".getBytes(StandardCharsets.UTF_8));
    // Confluent framing (magic byte 0) with a schema id the registry never issued: must be poison, not an outage.
    String unknownSchemaKey = "unknown-schema-" + tag;
    publishBytes(unknownSchemaKey, ByteBuffer.allocate(9).put((byte) 0).putInt(987_654).putInt(42).array());
    // A well-formed request under the wrong key: it would be folded in another run's partition.
    String misKeyed = "miskeyed-" + tag;
    String misKeyedRunId = "someone-else-" + tag;
    publishRaw(misKeyed, request(misKeyedRunId, valid));

    RunResult rejectedCycle = weft.await(cycleRun, TIMEOUT);
    assertThat(rejectedCycle.status()).isEqualTo("REJECTED");
    assertThat(rejectedCycle.reason()).contains("dependency cycle").contains("a").contains("b").contains("c");
    RunResult rejectedDangling = weft.await(danglingRun, TIMEOUT);
    assertThat(rejectedDangling.status()).isEqualTo("REJECTED");
    assertThat(rejectedDangling.reason()).contains("tasks[1]").contains("dependsOn[1]").contains("unknown task 'ghost'");
    RunResult rejectedTeleport = weft.await(teleportRun, TIMEOUT);
    assertThat(rejectedTeleport.status()).isEqualTo("REJECTED");
    assertThat(rejectedTeleport.reason()).contains("tasks[0]").contains("unknown executor 'teleport'");

    // The coordinator is still up and serving other runs after all of the above.
    RunResult ok = weft.run(valid, Map.of(), TIMEOUT);
    assertThat(ok.status()).as("valid run after the bad inputs: %s", ok).isEqualTo("SUCCEEDED");
    assertThat(ok.counts()).isEqualTo(Map.of("SUCCEEDED", 2));

    Map<String, ConsumerRecord<byte[], byte[]>> dead = readDeadLetters(List.of(cycleRun.runId(), danglingRun.runId(),
        teleportRun.runId(), garbageKey, unknownSchemaKey, misKeyed));
    assertThat(reason(dead.get(cycleRun.runId()))).contains("dependency cycle");
    assertThat(reason(dead.get(danglingRun.runId()))).contains("unknown task 'ghost'");
    assertThat(reason(dead.get(teleportRun.runId()))).contains("unknown executor 'teleport'");
    assertThat(reason(dead.get(garbageKey))).contains("cannot decode").contains(weft.topics.requests());
    assertThat(reason(dead.get(unknownSchemaKey))).contains("cannot decode").contains("987654");
    assertThat(reason(dead.get(misKeyed))).contains("'" + misKeyed + "'").contains("'" + misKeyedRunId + "'");
    // Dead letters keep the original bytes and say where they came from.
    assertThat(new String(dead.get(garbageKey).value(), StandardCharsets.UTF_8)).startsWith("this is not Avro");
    for (ConsumerRecord<byte[], byte[]> r : dead.values()) {
      assertThat(header(r, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(weft.topics.requests());
    }
  }

  private static RunRequest request(String runId, String yaml) throws Exception {
    return RunRequest.newBuilder().setKind(RequestKind.SUBMIT).setRunId(runId)
        .setRequestedAtMs(System.currentTimeMillis()).setRequester("invalid-input-test")
        .setSpecJson(PipelineSpecs.toJson(PipelineSpecs.parse(yaml))).setParams(new HashMap<>()).build();
  }

  /** Publishes a SUBMIT as any producer could, without the client's validation. */
  private static SubmittedRun publishRaw(String runId, String yaml) throws Exception {
    RunRequest r = request(runId, yaml);
    publishRaw(runId, r);
    return new SubmittedRun(runId, "?", r.getRequestedAtMs());
  }

  private static void publishRaw(String key, RunRequest r) throws Exception {
    try (KafkaProducer<String, RunRequest> p = new KafkaProducer<>(producerProps(),
        new org.apache.kafka.common.serialization.StringSerializer(), weft.serdes.runRequest().serializer())) {
      p.send(new ProducerRecord<>(weft.topics.requests(), key, r)).get();
    }
  }

  private static void publishBytes(String key, byte[] value) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps(), new ByteArraySerializer(),
        new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(weft.topics.requests(), key.getBytes(StandardCharsets.UTF_8), value)).get();
    }
  }

  private static Properties producerProps() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, weft.shared.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return p;
  }

  /** Reads the dead-letter topic from the start (committed records only) until every expected key has a record. */
  private static Map<String, ConsumerRecord<byte[], byte[]>> readDeadLetters(List<String> keys) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, weft.shared.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Map<String, ConsumerRecord<byte[], byte[]>> found = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> tps = c.partitionsFor(weft.topics.deadLetter(), Duration.ofSeconds(15)).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (!found.keySet().containsAll(keys) && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
          assertThat(found.putIfAbsent(key, r)).as("a second dead letter for %s: %s", key, reason(r)).isNull();
        }
      }
    }
    assertThat(found.keySet()).as("keys on %s", weft.topics.deadLetter()).containsExactlyInAnyOrderElementsOf(keys);
    return found;
  }

  private static String reason(ConsumerRecord<byte[], byte[]> r) {
    return header(r, DeadLetterHeaders.REASON);
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    assertThat(r).as("dead-letter record").isNotNull();
    Header h = r.headers().lastHeader(name);
    assertThat(h).as("header %s on the dead letter with key %s", name,
        r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8)).isNotNull();
    return new String(h.value(), StandardCharsets.UTF_8);
  }
}
