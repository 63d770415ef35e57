package dev.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.serde.WeftSerdes;
import dev.weft.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broker, registry and serde together: what every Weft process does on its topics. */
class EmbeddedStackTest {
  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static EmbeddedRegistry registry;

  @BeforeAll
  static void start() {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
    registry = EmbeddedRegistry.start(dir.resolve("registry"), 0);
  }

  @AfterAll
  static void stop() {
    if (registry != null) registry.close();
    if (kafka != null) kafka.close();
  }

  @Test
  void shouldCarryAvroTaskEventsThroughTheBrokerInWireFormat() {
    String topic = Topics.DEFAULT.taskEvents();
    kafka.createTopics(List.of(topic), 4);
    WeftSerdes serdes = new WeftSerdes(registry.url());
    List<TaskEvent> sent = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      sent.add(TaskEvent.newBuilder().setKind(TaskEventKind.SUCCEEDED).setRunId("run-" + (i % 5))
          .setTaskId("t" + i).setAttempt(1).setAtMs(i).build());
    }

    try (KafkaProducer<String, TaskEvent> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "stack-test"),
        new StringSerializer(), serdes.taskEvent().serializer())) {
      p.initTransactions();
      p.beginTransaction();
      for (TaskEvent e : sent) p.send(new ProducerRecord<>(topic, e.getRunId(), e));
      p.commitTransaction();
    }

    List<TaskEvent> received = new ArrayList<>();
    try (KafkaConsumer<String, TaskEvent> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "stack-test",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
        new StringDeserializer(), new WeftSerdes(registry.url()).taskEvent().deserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30_000;
      while (received.size() < sent.size() && System.currentTimeMillis() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(r -> received.add(r.value()));
      }
    }

    assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
  }
}
