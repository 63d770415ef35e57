package dev.weft.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.CommandKind;
import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.embedded.EmbeddedKafka;
import dev.weft.executor.process.ProcessBackend;
import dev.weft.serde.WeftSerdes;
import dev.weft.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An executor cut off from Kafka fences itself: with its own broker, which this test freezes while a task runs. The
 * task must be stopped before the coordinator would presume it lost, and reported FAILED/LOST once the broker is back.
 */
class ExecutorLeaseTest {
  private static final long HEARTBEAT_TIMEOUT_MS = 10_000;
  private static final long HEARTBEAT_INTERVAL_MS = 500;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final List<ProcessHandle> toReap = new ArrayList<>();
  private ProcessHandle frozen;

  @AfterEach
  void tearDown() throws Exception {
    if (frozen != null) signal(frozen, "CONT");
    for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
    toReap.forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void shouldStopItsAttemptWithinTheHeartbeatTimeoutWhenTheBrokerIsGoneAndReportItLostWhenItIsBack() throws Exception {
    EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
    toClose.add(kafka);
    WeftSerdes serdes = WeftSerdes.inMemory();
    Topics topics = new Topics("lease.");
    kafka.createTopics(List.of(topics.taskEvents(), topics.deadLetter(), topics.commands(ProcessBackend.NAME)), 1);
    ProcessBackend backend = new ProcessBackend(dir, null);
    toClose.add(backend);
    ExecutorRuntime runtime = new ExecutorRuntime(ExecutorConfig.builder(kafka.bootstrapServers(), serdes.taskCommand(),
        serdes.taskEvent()).topics(topics).instanceId("a").cancelGrace(Duration.ofSeconds(2)).build(), backend);
    toClose.add(runtime);
    runtime.start();

    TaskCommand run = TaskCommand.newBuilder().setKind(CommandKind.RUN).setRunId("r1").setTaskId("long").setAttempt(1)
        .setExecutor(ProcessBackend.NAME).setPipeline("test").setIssuedAtMs(System.currentTimeMillis())
        .setTaskSpecJson(Specs.json(Specs.process("long", List.of("sh", "-c", "sleep 300 & sleep 300; wait"), Map.of(), null)))
        .setHeartbeatIntervalMs(HEARTBEAT_INTERVAL_MS).setHeartbeatTimeoutMs(HEARTBEAT_TIMEOUT_MS).build();
    String commandTopic = topics.commands(ProcessBackend.NAME);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(commandTopic, Topics.commandKey("r1", "long").getBytes(StandardCharsets.UTF_8),
          serdes.taskCommand().serializer().serialize(commandTopic, run))).get();
    }
    List<TaskEvent> events = new ArrayList<>();
    TaskEvent beat = awaitEvent(kafka, serdes, topics, events, TaskEventKind.HEARTBEAT);
    ProcessHandle root = ProcessHandle.of(Long.parseLong(beat.getHandle())).orElseThrow();
    List<ProcessHandle> tree = Conditions.awaitValue("the task's tree", WAIT, () -> {
      List<ProcessHandle> t = new ArrayList<>(root.descendants().toList());
      t.add(root);
      return t.size() >= 3 ? t : null;
    });
    toReap.addAll(tree);
    // Let a few more heartbeats commit, so the lease runs from a heartbeat and not from STARTED.
    Conditions.await("three heartbeats committed", WAIT, () -> runtime.counters().transactions() >= 4);

    // Freeze the broker (SIGSTOP) rather than kill it: the executor's connections stay open and get no answer, the
    // way a partition or a hung broker looks, and SIGCONT brings it back without a restart.
    ProcessHandle broker = brokerOf(kafka);
    long killing = System.currentTimeMillis();
    frozen = broker;
    signal(broker, "STOP");
    long killedAt = System.currentTimeMillis();

    Conditions.await("the cut-off executor to stop its task", Duration.ofMillis(HEARTBEAT_TIMEOUT_MS),
        () -> tree.stream().noneMatch(ProcessHandle::isAlive));
    long stoppedAfter = System.currentTimeMillis() - killedAt;
    assertThat(runtime.counters().fenced()).isEqualTo(1);

    signal(broker, "CONT");
    frozen = null;
    TaskEvent lost = awaitEvent(kafka, serdes, topics, events, TaskEventKind.FAILED);
    assertThat(lost.getFailureKind()).isEqualTo(FailureKind.LOST);
    assertThat(lost.getReason()).startsWith("executor a lost contact with Kafka for ").contains("stopped the attempt");
    System.out.printf("lease: SIGSTOP took %d ms; task stopped %d ms after the broker froze (heartbeatTimeout %d ms); %s%n",
        killedAt - killing, stoppedAfter, HEARTBEAT_TIMEOUT_MS, lost.getReason());
    assertThat(runtime.state()).isEqualTo(ExecutorRuntime.State.RUNNING);
  }

  /** The broker's JVM: the child of this JVM whose command line names the broker's data directory. */
  private static ProcessHandle brokerOf(EmbeddedKafka kafka) {
    String dataDir = kafka.dataDir().toString();
    // /proc has the whole command line; ProcessHandle.Info cuts a long one (the classpath) short.
    return ProcessHandle.current().descendants()
        .filter(h -> {
          try {
            String c = new String(java.nio.file.Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()), "cmdline")),
                StandardCharsets.UTF_8);
            return c.contains(dev.weft.embedded.FormattingBroker.class.getName()) && c.contains(dataDir);
          } catch (java.io.IOException e) {
            return false;
          }
        })
        .findFirst().orElseThrow(() -> new AssertionError("no broker process under this JVM for " + dataDir));
  }

  private static void signal(ProcessHandle process, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
    assertThat(kill.waitFor()).as("kill -%s %d", signal, process.pid()).isZero();
  }

  private static TaskEvent awaitEvent(EmbeddedKafka kafka, WeftSerdes serdes, Topics topics, List<TaskEvent> events,
      TaskEventKind kind) {
    try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topics.taskEvents(), 0);
      reader.assign(List.of(tp));
      reader.seekToBeginning(List.of(tp));
      events.clear();
      return Conditions.awaitValue(kind + " on " + topics.taskEvents() + " (so far " + events + ")", WAIT, () -> {
        for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
          events.add(serdes.taskEvent().deserializer().deserialize(r.topic(), r.headers(), r.value()));
        }
        return events.stream().filter(e -> e.getKind() == kind).findFirst().orElse(null);
      });
    }
  }
}
