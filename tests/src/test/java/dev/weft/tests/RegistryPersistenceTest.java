package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.client.RunResult;
import dev.weft.client.WeftClient;
import dev.weft.devstack.DevStack;
import dev.weft.serde.SchemaRegistryClient;
import dev.weft.serde.WeftSerdes;
import dev.weft.serde.WireFormat;
import dev.weft.spec.PipelineBuilder;
import dev.weft.spec.PipelineSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema ids are written into every record (Confluent wire format), so they must stay valid for the records already in
 * the log when the embedded stack restarts: the registry keeps its subjects and ids in its data directory. This test
 * pays for two starts of its own stack on one data directory (not the shared one): the records of a run made before
 * the restart must decode with a serde that has never seen them, against the restarted registry, and ids must mean
 * the same schemas as before.
 */
class RegistryPersistenceTest {
  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  @Test
  void shouldDecodeOldRecordsAndRunNewPipelinesAfterARestart(@TempDir Path dir) throws Exception {
    PipelineSpec spec = PipelineBuilder.pipeline("persisted")
        .task(PipelineBuilder.process("write", "sh", "-c", "echo persisted > '" + dir.resolve("out.txt") + "'"))
        .task(PipelineBuilder.noop("check").dependsOn("write"))
        .build();
    DevStack.Options options = DevStack.Options.ephemeral(dir.resolve("stack"));

    String oldRunId;
    Map<Integer, Schema> schemasBefore = new HashMap<>();
    DevStack first = DevStack.start(options, m -> System.err.println("registry-persistence, first stack: " + m));
    try (WeftClient client = new WeftClient(first.bootstrapServers(), first.serdes(), first.topics())) {
      RunResult r = client.run(spec, Map.of(), TIMEOUT);
      assertThat(r.status()).as("first run: %s", r).isEqualTo("SUCCEEDED");
      oldRunId = r.runId();
      SchemaRegistryClient registry = new SchemaRegistryClient(first.registryUrl());
      for (ConsumerRecord<byte[], byte[]> rec : readAll(first, first.topics().runEvents(), oldRunId)) {
        int id = WireFormat.parse(rec.value()).schemaId();
        schemasBefore.put(id, registry.getById(id));
      }
    } finally {
      first.close();
    }
    assertThat(schemasBefore).as("schema ids in the first run's run-events").isNotEmpty();

    DevStack second = DevStack.start(options, m -> System.err.println("registry-persistence, second stack: " + m));
    try {
      // A registry that forgot its data would answer 404 for these ids, or (worse) hand out the same ids to
      // whatever schemas were registered first after the restart.
      SchemaRegistryClient registry = new SchemaRegistryClient(second.registryUrl());
      for (Map.Entry<Integer, Schema> e : schemasBefore.entrySet()) {
        assertThat(registry.getById(e.getKey())).as("schema id %d after the restart", e.getKey()).isEqualTo(e.getValue());
      }

      // The old records, from offset 0, through a serde that has never seen them (no cached ids).
      Deserializer<RunEvent> fresh = new WeftSerdes(second.registryUrl()).runEvent().deserializer();
      List<RunEvent> old = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> rec : readAll(second, second.topics().runEvents(), oldRunId)) {
        RunEvent e = fresh.deserialize(rec.topic(), rec.headers(), rec.value());
        // Attempt events interleave with the two tasks' order; the run's own sequence is what this test is about.
        if (e.getKind() != RunEventKind.ATTEMPT_STARTED && e.getKind() != RunEventKind.ATTEMPT_ENDED) old.add(e);
      }
      assertThat(old).extracting(RunEvent::getKind).containsExactly(RunEventKind.RUN_ACCEPTED,
          RunEventKind.TASK_FINISHED, RunEventKind.TASK_FINISHED, RunEventKind.RUN_FINISHED);
      assertThat(old).allSatisfy(e -> assertThat(e.getRunId()).isEqualTo(oldRunId));
      assertThat(String.valueOf(old.get(3).getRunStatus())).isEqualTo("SUCCEEDED");

      // The restarted coordinator still knows the old run (its state came back from its store and changelog).
      HttpResponse<String> view = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(second.apiUrl() + "/api/runs/" + oldRunId)).timeout(Duration.ofSeconds(30))
              .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(view.statusCode()).as("GET old run: %s", view.body()).isEqualTo(200);
      assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(view.body()).path("status").asText())
          .isEqualTo("SUCCEEDED");

      try (WeftClient client = new WeftClient(second.bootstrapServers(), second.serdes(), second.topics())) {
        RunResult r = client.run(spec, Map.of(), TIMEOUT);
        assertThat(r.status()).as("run after the restart: %s", r).isEqualTo("SUCCEEDED");
        assertThat(r.runId()).isNotEqualTo(oldRunId);
        assertThat(r.counts()).isEqualTo(Map.of("SUCCEEDED", 2));
      }
    } finally {
      second.close();
    }
  }

  /** Every record of {@code runId} in {@code topic}, from offset 0 to the current end, as raw bytes. */
  private static List<ConsumerRecord<byte[], byte[]>> readAll(DevStack stack, String topic, String runId) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(15)).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        assertThat(System.nanoTime()).as("reading %s up to %s", topic, end).isLessThan(deadline);
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          if (r.key() != null && runId.equals(new String(r.key(), StandardCharsets.UTF_8))) out.add(r);
        }
      }
    }
    return out;
  }
}
