package dev.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker in the test's own JVM ({@link EmbeddedKafka.Placement#IN_PROCESS}), as {@code weft run} runs it. */
class EmbeddedKafkaInProcessTest {
  @TempDir Path dir;

  @Test
  void shouldServeTransactionsThenStopLeavingNoThreadAndKeepItsRecordsForTheNextStart() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, EmbeddedKafka.Security.PLAINTEXT,
        EmbeddedKafka.Placement.IN_PROCESS);
    String bootstrap = kafka.bootstrapServers();
    try {
      kafka.createTopics(List.of("t"), 1);
      try (KafkaProducer<String, String> p = producer(bootstrap, "tx-in-process")) {
        p.initTransactions();
        p.beginTransaction();
        p.send(new ProducerRecord<>("t", "k", "aborted"));
        p.abortTransaction();
        p.beginTransaction();
        p.send(new ProducerRecord<>("t", "k", "committed"));
        p.commitTransaction();
      }
      assertThat(read(bootstrap, "t", 1)).containsExactly("committed");
    } finally {
      kafka.kill();
    }

    assertThat(kafka.isRunning()).isFalse();
    assertThat(Ports.isFree(kafka.port())).isTrue();
    // The broker's threads end with it: a JVM that ran `weft run` in-process (a test calling Weft.run) keeps none.
    List<String> left = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (!before.contains(t) && t.isAlive() && !t.isDaemon()) left.add(t.getName());
    }
    assertThat(left).isEmpty();

    kafka.restart();
    try {
      assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
      assertThat(read(bootstrap, "t", 1)).containsExactly("committed");
    } finally {
      kafka.close();
    }
  }

  @Test
  void shouldChooseOtherPortsWhenTheOnesItChoseAreTakenBeforeTheBrokerBindsThem() throws Exception {
    // As if an earlier choice had written these ports and another process had bound them since: the broker must not
    // fail, since nothing was formatted with them yet and it chose them itself.
    Path data = Files.createDirectories(dir.resolve("kafka"));
    try (ServerSocket broker = new ServerSocket(Ports.free(), 0, InetAddress.getLoopbackAddress());
        ServerSocket controller = new ServerSocket(Ports.free(), 0, InetAddress.getLoopbackAddress())) {
      Files.writeString(data.resolve("embedded-kafka.properties"), "broker.port=" + broker.getLocalPort()
          + "\ncontroller.port=" + controller.getLocalPort() + "\n", StandardCharsets.UTF_8);

      EmbeddedKafka kafka = EmbeddedKafka.start(data, 0, EmbeddedKafka.Security.PLAINTEXT,
          EmbeddedKafka.Placement.IN_PROCESS);
      try {
        kafka.createTopics(List.of("t"), 1);
        assertThat(kafka.port()).isNotIn(broker.getLocalPort(), controller.getLocalPort());
        assertThat(Files.readString(data.resolve("embedded-kafka.properties")))
            .doesNotContain("controller.port=" + controller.getLocalPort());
      } finally {
        kafka.close();
      }
    }
  }

  private static KafkaProducer<String, String> producer(String bootstrap, String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  private static List<String> read(String bootstrap, String topic, int expected) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < expected && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
      }
      consumer.poll(Duration.ofMillis(300)).forEach(r -> out.add(r.value()));
    }
    return out;
  }
}
