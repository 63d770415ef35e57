package dev.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {
  @TempDir static Path dir;
  static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) kafka.close();
  }

  @Test
  void shouldRoundTripRecords() throws Exception {
    String topic = "round-trip";
    kafka.createTopics(List.of(topic), 2);

    try (KafkaProducer<String, String> p = producer(Map.of())) {
      for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
    }

    assertThat(values(readAll(topic, 10, "read_uncommitted")))
        .containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
  }

  @Test
  void shouldHideAbortedTransactionsFromReadCommittedConsumers() throws Exception {
    String topic = "transactions";
    kafka.createTopics(List.of(topic), 1);

    try (KafkaProducer<String, String> p = producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-test"))) {
      p.initTransactions();
      p.beginTransaction();
      p.send(new ProducerRecord<>(topic, "k", "aborted-1"));
      p.send(new ProducerRecord<>(topic, "k", "aborted-2"));
      p.abortTransaction();
      p.beginTransaction();
      p.send(new ProducerRecord<>(topic, "k", "committed-1"));
      p.send(new ProducerRecord<>(topic, "k", "committed-2"));
      p.commitTransaction();
    }

    assertThat(values(readAll(topic, 2, "read_committed"))).containsExactly("committed-1", "committed-2");
  }

  @Test
  void shouldCreateTopicsIdempotently() {
    kafka.createTopics(List.of("idem-a", "idem-b"), 3);
    kafka.createTopics(List.of("idem-a", "idem-b", "idem-c"), 3);

    assertThat(kafka.listTopics()).contains("idem-a", "idem-b", "idem-c");
  }

  @Test
  void shouldKeepRecordsAcrossKillRestartAndANewInstanceOnTheSameDirectory() throws Exception {
    String topic = "durable";
    kafka.createTopics(List.of(topic), 1);
    try (KafkaProducer<String, String> p = producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
      p.send(new ProducerRecord<>(topic, "k", "before-kill")).get();
    }
    String bootstrap = kafka.bootstrapServers();

    kafka.kill();
    assertThat(kafka.isRunning()).isFalse();
    kafka.restart();
    try (KafkaProducer<String, String> p = producer(Map.of())) {
      p.send(new ProducerRecord<>(topic, "k", "after-restart")).get();
    }
    kafka.close();
    kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);

    assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
    assertThat(values(readAll(topic, 2, "read_committed"))).containsExactly("before-kill", "after-restart");
  }

  @Test
  void shouldRefuseAPortInUseWithAClearMessage() {
    assertThatThrownBy(() -> EmbeddedKafka.start(dir.resolve("other"), kafka.port()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("127.0.0.1:" + kafka.port())
        .hasMessageContaining("in use");
  }

  private static KafkaProducer<String, String> producer(Map<String, Object> extra) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.putAll(extra);
    return new KafkaProducer<>(p);
  }

  /** Reads from the beginning until {@code expected} records arrived, then a little more to catch extras. */
  static List<ConsumerRecord<String, String>> readAll(String topic, int expected, String isolation) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < expected && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      // One more poll: a bug that writes extra records must show up as a failure, not hide behind the count.
      consumer.poll(Duration.ofMillis(300)).forEach(out::add);
    }
    return out;
  }

  private static List<String> values(List<ConsumerRecord<String, String>> records) {
    return records.stream().map(ConsumerRecord::value).toList();
  }
}
