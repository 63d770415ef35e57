package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.CommandKind;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.executor.noop.NoopBackend;
import dev.weft.executor.process.ProcessBackend;
import dev.weft.topics.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad input on the topics the services read, while a run is in flight: garbage, an unknown schema id, events for an
 * unknown run, task or attempt, and mis-keyed records on {@code task-events} (read by the coordinator) and on
 * {@code commands.process} (read by the process executor group). Each lands in the dead-letter topic exactly once,
 * with its reason and the shared headers, and the run in flight finishes unharmed.
 */
class BadInputOnEveryTopicEndToEndTest {
  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  /** Wire format with a schema id no registry handed out. */
  private static final byte[] UNKNOWN_SCHEMA = {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 2, 4, 6, 8};
  private static IsolatedWeft weft;

  /** One expected dead letter: where the bad record went, its key, and what its reason must say. */
  private record Expected(String topic, String key, String reasonPart, String reporterPrefix) {}

  @BeforeAll
  static void start() throws Exception {
    weft = new IsolatedWeft("bad-input", 2);
    Files.createDirectories(weft.dir.resolve("work"));
    weft.startExecutor(new NoopBackend());
    weft.startExecutor(new ProcessBackend(weft.dir.resolve("work"), weft.dir.resolve("process-state")));
  }

  @AfterAll
  static void stop() {
    if (weft != null) weft.close();
  }

  @Test
  void shouldDeadLetterEachBadRecordOnceAndFinishTheRunInFlight() throws Exception {
    Path dir = Files.createDirectories(weft.dir.resolve("in-flight"));
    SubmittedRun run = weft.submit("""
        pipeline: in-flight
        params: {dir: "%s"}
        tasks:
          - id: hold
            executor: process
            process: {argv: [sh, -c, "touch ${dir}/started; while [ ! -f ${dir}/go ]; do sleep 0.1; done"]}
          - {id: after, executor: noop, dependsOn: [hold]}
        """.formatted(dir), Map.of());
    awaitFile(dir.resolve("started"));
    String runId = run.runId();
    String events = weft.topics.taskEvents();
    String commands = weft.topics.commands(ProcessBackend.NAME);

    List<Expected> expected = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> p = producer()) {
      send(p, events, "te-garbage", "this is not Avro".getBytes(StandardCharsets.UTF_8));
      expected.add(new Expected(events, "te-garbage", "cannot decode", "coordinator"));
      send(p, events, "te-unknown-schema", UNKNOWN_SCHEMA);
      expected.add(new Expected(events, "te-unknown-schema", "cannot decode", "coordinator"));
      send(p, events, "ghost-run", event("ghost-run", "hold", 1));
      expected.add(new Expected(events, "ghost-run", "unknown run 'ghost-run'", "coordinator"));
      send(p, events, runId, event(runId, "ghost-task", 1));
      expected.add(new Expected(events, runId, "unknown task 'ghost-task'", "coordinator"));
      send(p, events, runId, event(runId, "hold", 99));
      expected.add(new Expected(events, runId, "attempt 99", "coordinator"));
      send(p, events, "not-the-run-id", event(runId, "hold", 1));
      expected.add(new Expected(events, "not-the-run-id", "its runId is '" + runId + "'", "coordinator"));

      send(p, commands, "cmd-garbage", "this is not Avro either".getBytes(StandardCharsets.UTF_8));
      expected.add(new Expected(commands, "cmd-garbage", "", "executor/process/"));
      send(p, commands, "cmd-unknown-schema", UNKNOWN_SCHEMA);
      expected.add(new Expected(commands, "cmd-unknown-schema", "", "executor/process/"));
      TaskCommand misKeyed = TaskCommand.newBuilder().setKind(CommandKind.CANCEL).setRunId(runId).setTaskId("hold")
          .setAttempt(1).setExecutor(ProcessBackend.NAME).setIssuedAtMs(System.currentTimeMillis())
          .setReason("a cancel under the wrong key must not reach the attempt").build();
      send(p, commands, "not/the-key", weft.serdes.taskCommand().serializer().serialize(commands, misKeyed));
      expected.add(new Expected(commands, "not/the-key", "key", "executor/process/"));
    }

    List<ConsumerRecord<byte[], byte[]>> dead = awaitDeadLetters(expected.size());
    for (Expected e : expected) {
      assertThat(dead).as("one dead letter for %s on %s among %s", e.key(), e.topic(),
          dead.stream().map(BadInputOnEveryTopicEndToEndTest::describe).toList())
          .filteredOn(r -> matches(r, e)).hasSize(1);
    }
    for (ConsumerRecord<byte[], byte[]> r : dead) {
      assertThat(text(r, DeadLetterHeaders.SOURCE_PARTITION)).isNotNull();
      assertThat(text(r, DeadLetterHeaders.SOURCE_OFFSET)).isNotNull();
    }

    Files.writeString(dir.resolve("go"), "");
    RunResult result = weft.await(run, TIMEOUT);
    assertThat(result.status()).as("the run in flight: %s", result).isEqualTo("SUCCEEDED");
    assertThat(result.tasks()).allSatisfy(t -> assertThat(t.attempts()).isEqualTo(1));
    assertThat(readDeadLetters(Duration.ofSeconds(3))).as("nothing dead-lettered twice or late")
        .extracting(BadInputOnEveryTopicEndToEndTest::describe).hasSize(expected.size());
  }

  private static boolean matches(ConsumerRecord<byte[], byte[]> r, Expected e) {
    String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    String reason = text(r, DeadLetterHeaders.REASON);
    String reporter = text(r, DeadLetterHeaders.REPORTER);
    return e.key().equals(key) && e.topic().equals(text(r, DeadLetterHeaders.SOURCE_TOPIC)) && reason != null
        && reason.contains(e.reasonPart()) && reporter != null && reporter.startsWith(e.reporterPrefix());
  }

  /** A dead letter as a person reads it, for failure messages. */
  private static String describe(ConsumerRecord<byte[], byte[]> r) {
    return (r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8)) + " from "
        + text(r, DeadLetterHeaders.SOURCE_TOPIC) + " by " + text(r, DeadLetterHeaders.REPORTER) + ": "
        + text(r, DeadLetterHeaders.REASON);
  }

  private static String text(ConsumerRecord<byte[], byte[]> r, String header) {
    return DeadLetterHeaders.text(r.headers(), header);
  }

  private static byte[] event(String runId, String taskId, int attempt) {
    TaskEvent e = TaskEvent.newBuilder().setKind(TaskEventKind.SUCCEEDED).setRunId(runId).setTaskId(taskId)
        .setAttempt(attempt).setAtMs(System.currentTimeMillis()).setSource("intruder").setExitCode(0).build();
    return weft.serdes.taskEvent().serializer().serialize(weft.topics.taskEvents(), e);
  }

  private static void send(KafkaProducer<byte[], byte[]> p, String topic, String key, byte[] value) throws Exception {
    p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, weft.shared.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void awaitFile(Path f) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!Files.exists(f)) {
      assertThat(System.nanoTime()).as("%s to appear (the task to start)", f).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** Waits until at least {@code n} committed dead letters are on the topic, then returns all of them. */
  private static List<ConsumerRecord<byte[], byte[]>> awaitDeadLetters(int n) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    List<ConsumerRecord<byte[], byte[]>> all;
    do {
      all = readDeadLetters(Duration.ofSeconds(1));
    } while (all.size() < n && System.nanoTime() < deadline);
    assertThat(all).as("dead letters on %s", weft.topics.deadLetter())
        .extracting(BadInputOnEveryTopicEndToEndTest::describe).hasSizeGreaterThanOrEqualTo(n);
    return all;
  }

  /** Every committed record of the dead-letter topic, read from the beginning until a poll of {@code quiet} is empty. */
  private static List<ConsumerRecord<byte[], byte[]>> readDeadLetters(Duration quiet) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, weft.shared.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> tps = c.partitionsFor(weft.topics.deadLetter(), Duration.ofSeconds(15)).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      while (true) {
        var records = c.poll(quiet);
        if (records.isEmpty()) break;
        records.forEach(out::add);
      }
    }
    return out;
  }
}
