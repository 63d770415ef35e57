package dev.weft.executor;

import static dev.weft.avro.TaskEventKind.CANCELLED;
import static dev.weft.avro.TaskEventKind.FAILED;
import static dev.weft.avro.TaskEventKind.HEARTBEAT;
import static dev.weft.avro.TaskEventKind.SKIPPED;
import static dev.weft.avro.TaskEventKind.STARTED;
import static dev.weft.avro.TaskEventKind.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.CommandKind;
import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.embedded.EmbeddedKafka;
import dev.weft.embedded.EmbeddedRegistry;
import dev.weft.executor.noop.NoopBackend;
import dev.weft.executor.process.ProcessBackend;
import dev.weft.serde.WeftSerdes;
import dev.weft.spec.TaskSpec;
import dev.weft.topics.DeadLetterHeaders;
import dev.weft.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor runtime on a real KRaft broker and a real schema registry, with the real process and noop backends.
 * Each test has its own topic prefix and consumer group, so tests share one broker without seeing each other.
 */
class ExecutorRuntimeTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final AtomicInteger TEST_NUMBER = new AtomicInteger();

  @TempDir static Path stackDir;
  static EmbeddedKafka kafka;
  static EmbeddedRegistry registry;
  static WeftSerdes serdes;

  @TempDir Path work;
  private Topics topics;
  private String group;
  private KafkaProducer<byte[], byte[]> producer;
  private KafkaConsumer<byte[], byte[]> reader;
  private final List<TaskEvent> events = new ArrayList<>();
  /** The offset of each of {@link #events} on task-events (one partition). */
  private final List<Long> eventOffsets = new ArrayList<>();
  private final List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeAll
  static void startStack() {
    kafka = EmbeddedKafka.start(stackDir.resolve("kafka"), 0);
    registry = EmbeddedRegistry.start(stackDir.resolve("registry"), 0);
    serdes = new WeftSerdes(registry.url());
  }

  @AfterAll
  static void stopStack() {
    if (registry != null) registry.close();
    if (kafka != null) kafka.close();
  }

  @BeforeEach
  void setUp() {
    int n = TEST_NUMBER.incrementAndGet();
    topics = new Topics("t" + n + ".");
    group = "weft-executor-test-" + n;
    kafka.createTopics(List.of(topics.taskEvents(), topics.deadLetter()), 1);
    kafka.createTopics(List.of(topics.commands(ProcessBackend.NAME), topics.commands(NoopBackend.NAME)), 3);
    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
        new ByteArraySerializer(), new ByteArraySerializer());
    reader = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = List.of(new TopicPartition(topics.taskEvents(), 0), new TopicPartition(topics.deadLetter(), 0));
    reader.assign(partitions);
    reader.seekToBeginning(partitions);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
    producer.close();
    reader.close();
  }

  @Test
  void shouldReportStartedHeartbeatWithHandleAndSucceededInOrder() throws Exception {
    ExecutorRuntime runtime = start(processConfig("a"), processBackend());

    run(attempt("r1", "hello", 1), Specs.process("hello", List.of("sh", "-c", "echo hello from $0"), Map.of(), null), 0);

    List<TaskEvent> got = awaitEvents("r1", "hello", 1, SUCCEEDED);
    assertThat(kinds(got)).containsExactly(STARTED, HEARTBEAT, SUCCEEDED);
    assertThat(got.get(0).getHandle()).as("STARTED goes out before the launch").isNull();
    assertThat(got.get(1).getHandle()).as("the heartbeat after launch carries the pid").matches("\\d+");
    assertThat(got.get(2).getExitCode()).isZero();
    assertThat(got.get(2).getLogTail()).contains("hello from sh");
    assertThat(got).allSatisfy(e -> assertThat(e.getSource()).isEqualTo("a"));
    assertThat(runtime.counters().launched()).isEqualTo(1);
  }

  @Test
  void shouldReportAFailureWithExitCodeReasonAndTail() throws Exception {
    start(processConfig("a"), processBackend());

    run(attempt("r1", "bad", 1), Specs.process("bad", List.of("sh", "-c", "echo step 1; echo 'no such table' >&2; exit 3"), Map.of(), null), 0);

    TaskEvent failed = last(awaitEvents("r1", "bad", 1, FAILED));
    assertThat(failed.getExitCode()).isEqualTo(3);
    assertThat(failed.getFailureKind()).isEqualTo(FailureKind.EXIT_CODE);
    assertThat(failed.getReason()).isEqualTo("exit code 3; last line: no such table");
    assertThat(failed.getLogTail()).contains("step 1").contains("no such table");
  }

  @Test
  void shouldSkipWithoutLaunchingWhenTheOutputExists() throws Exception {
    ExecutorRuntime runtime = start(processConfig("a"), processBackend());
    Path output = Files.writeString(work.resolve("out.csv"), "done\n");
    Path marker = work.resolve("marker");

    run(attempt("r1", "extract", 1), Specs.processWithOutput("extract", appendTo(marker), "file://" + output), 0);

    List<TaskEvent> got = awaitEvents("r1", "extract", 1, SKIPPED);
    assertThat(kinds(got)).containsExactly(SKIPPED);
    assertThat(got.get(0).getReason()).contains(output.toString());
    assertThat(marker).doesNotExist();
    assertThat(runtime.counters().launched()).isZero();
    assertThat(runtime.counters().skipped()).isEqualTo(1);
  }

  @Test
  void shouldFailAnUnsupportedOutputSchemeAsInvalidSpec() throws Exception {
    start(processConfig("a"), processBackend());

    run(attempt("r1", "s3", 1), Specs.processWithOutput("s3", List.of("true"), "gs://bucket/key"), 0);

    TaskEvent failed = last(awaitEvents("r1", "s3", 1, FAILED));
    assertThat(failed.getFailureKind()).isEqualTo(FailureKind.INVALID_SPEC);
    assertThat(failed.getReason()).contains("scheme 'gs' is not supported");
  }

  @Test
  void shouldDeadLetterGarbageAndRunTheNextCommand() throws Exception {
    ExecutorRuntime runtime = start(processConfig("a"), processBackend());
    String topic = topics.commands(ProcessBackend.NAME);
    byte[] garbage = "definitely not avro".getBytes(StandardCharsets.UTF_8);
    // Same key as the next command, so both land in one partition and the garbage comes first.
    byte[] key = Topics.commandKey("r1", "next").getBytes(StandardCharsets.UTF_8);
    producer.send(new ProducerRecord<>(topic, key, garbage)).get();

    run(attempt("r1", "next", 1), Specs.process("next", List.of("true"), Map.of(), null), 0);

    awaitEvents("r1", "next", 1, SUCCEEDED);
    ConsumerRecord<byte[], byte[]> dead = awaitDeadLetter();
    assertThat(dead.value()).isEqualTo(garbage);
    assertThat(dead.key()).isEqualTo(key);
    assertThat(header(dead, DeadLetterHeaders.REASON)).startsWith("not a TaskCommand");
    assertThat(header(dead, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(topic);
    assertThat(header(dead, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("0");
    assertThat(header(dead, DeadLetterHeaders.REPORTER)).isEqualTo("executor/process/a");
    assertThat(runtime.counters().deadLettered()).isEqualTo(1);
  }

  @Test
  void shouldDeadLetterAMisKeyedCommandOnceWithoutRunningItAndRunTheNextCommand() throws Exception {
    ExecutorRuntime runtime = start(processConfig("a"), processBackend());
    String topic = topics.commands(ProcessBackend.NAME);
    Path marker = work.resolve("marker");
    TaskCommand misKeyed = command(CommandKind.RUN, attempt("r1", "mis", 1))
        .setTaskSpecJson(Specs.json(Specs.process("mis", appendTo(marker), Map.of(), null))).build();
    // Under the next command's key, so both land in one partition and this one comes first.
    byte[] key = Topics.commandKey("r1", "next").getBytes(StandardCharsets.UTF_8);
    producer.send(new ProducerRecord<>(topic, key, serdes.taskCommand().serializer().serialize(topic, misKeyed))).get();

    run(attempt("r1", "next", 1), Specs.process("next", List.of("true"), Map.of(), null), 0);

    awaitEvents("r1", "next", 1, SUCCEEDED);
    ConsumerRecord<byte[], byte[]> dead = awaitDeadLetter();
    assertThat(header(dead, DeadLetterHeaders.REASON))
        .startsWith("RUN command for r1/mis#1 has key 'r1/next'; commands must be keyed runId/taskId ('r1/mis')");
    assertThat(dead.key()).isEqualTo(key);
    assertThat(header(dead, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("0");
    assertThat(deadLetters).as("dead-lettered once").hasSize(1);
    assertThat(eventsOf("r1", "mis", 1)).as("nothing reported for a command that was not acted on").isEmpty();
    assertThat(marker).doesNotExist();
    assertThat(runtime.counters().launched()).isEqualTo(1);
  }

  @Test
  void shouldDeadLetterARecordNamingAnUnknownSchemaIdAndRunTheNextCommand() throws Exception {
    ExecutorRuntime runtime = start(processConfig("a"), processBackend());
    String topic = topics.commands(ProcessBackend.NAME);
    byte[] unknownId = java.nio.ByteBuffer.allocate(9).put((byte) 0).putInt(987_654).put(new byte[] {2, 4, 6, 8}).array();
    byte[] key = Topics.commandKey("r1", "next").getBytes(StandardCharsets.UTF_8);
    producer.send(new ProducerRecord<>(topic, key, unknownId)).get();

    run(attempt("r1", "next", 1), Specs.process("next", List.of("true"), Map.of(), null), 0);

    awaitEvents("r1", "next", 1, SUCCEEDED);
    ConsumerRecord<byte[], byte[]> dead = awaitDeadLetter();
    assertThat(dead.value()).isEqualTo(unknownId);
    assertThat(header(dead, DeadLetterHeaders.REASON)).startsWith("not a TaskCommand").contains("schema id 987654 is unknown");
    assertThat(deadLetters).as("dead-lettered once").hasSize(1);
    assertThat(runtime.counters().deadLettered()).isEqualTo(1);
  }

  @Test
  void shouldNeitherRunNorDeadLetterACommandWhileTheRegistryIsDownAndRunItWhenItIsBack() throws Exception {
    SwitchableRegistry lookup = new SwitchableRegistry(new dev.weft.serde.SchemaRegistryClient(registry.url()));
    WeftSerdes cutOff = new WeftSerdes(lookup);
    lookup.down = true;
    ExecutorConfig config = ExecutorConfig.builder(kafka.bootstrapServers(), cutOff.taskCommand(), cutOff.taskEvent())
        .topics(topics).groupId(group).instanceId("a").outputChecker(new LocalOutputChecker(work)).build();
    ExecutorRuntime runtime = start(config, processBackend());

    run(attempt("r1", "waits", 1), Specs.process("waits", List.of("true"), Map.of(), null), 0);
    Conditions.await("the command to be tried twice while the registry is down", WAIT, () -> runtime.counters().registryWaits() >= 2);
    assertThat(poll()).isEmpty();
    assertThat(deadLetters).isEmpty();
    lookup.down = false;

    awaitEvents("r1", "waits", 1, SUCCEEDED);
    assertThat(deadLetters).isEmpty();
    assertThat(runtime.counters().deadLettered()).isZero();
    assertThat(kinds(eventsOf("r1", "waits", 1))).containsExactly(STARTED, HEARTBEAT, SUCCEEDED);
  }

  /** A real registry that can be made to look unreachable. */
  private static final class SwitchableRegistry implements dev.weft.serde.SchemaLookup {
    private final dev.weft.serde.SchemaLookup real;
    volatile boolean down;

    SwitchableRegistry(dev.weft.serde.SchemaLookup real) {
      this.real = real;
    }

    @Override
    public int register(String subject, org.apache.avro.Schema schema) {
      if (down) throw new dev.weft.serde.SchemaRegistryException("POST " + subject + ": connection refused (test)");
      return real.register(subject, schema);
    }

    @Override
    public org.apache.avro.Schema getById(int id) {
      if (down) throw new dev.weft.serde.SchemaRegistryException("GET /schemas/ids/" + id + ": connection refused (test)");
      return real.getById(id);
    }
  }

  @Test
  void shouldFailASpecThatDoesNotParseAsInvalidSpec() throws Exception {
    start(processConfig("a"), processBackend());

    send(command(CommandKind.RUN, attempt("r1", "broken", 1)).setTaskSpecJson("{\"id\": \"broken\", \"argvv\": 1}").build());

    TaskEvent failed = last(awaitEvents("r1", "broken", 1, FAILED));
    assertThat(failed.getFailureKind()).isEqualTo(FailureKind.INVALID_SPEC);
    assertThat(failed.getReason()).contains("does not parse").contains("argvv");
  }

  @Test
  void shouldLaunchTheSameRunCommandOnlyOnce() throws Exception {
    ExecutorRuntime runtime = start(processConfig("a"), processBackend());
    Path marker = work.resolve("marker");
    TaskSpec spec = Specs.process("once", appendTo(marker), Map.of(), null);

    run(attempt("r1", "once", 1), spec, 0);
    run(attempt("r1", "once", 1), spec, 0);

    awaitEvents("r1", "once", 1, SUCCEEDED);
    Conditions.await("the second RUN to be read and ignored", WAIT, () -> runtime.counters().duplicates() == 1);
    assertThat(Files.readAllLines(marker)).hasSize(1);
    assertThat(kinds(eventsOf("r1", "once", 1))).containsExactly(STARTED, HEARTBEAT, SUCCEEDED);
  }

  @Test
  void shouldNotLaunchAStartedAttemptAgainAfterARestart() throws Exception {
    Path marker = work.resolve("marker");
    ExecutorRuntime first = start(processConfig("a"), processBackend());
    run(attempt("r1", "long", 1), Specs.process("long", List.of("sh", "-c", "echo launched >> " + marker + "; sleep 100"), Map.of(), null), 0);
    awaitEvents("r1", "long", 1, HEARTBEAT);

    first.close();
    // The old instance cancelled its attempt on close and said so: lost, so the coordinator retries it.
    TaskEvent lost = last(awaitEvents("r1", "long", 1, FAILED));
    assertThat(lost.getFailureKind()).isEqualTo(FailureKind.LOST);

    ExecutorRuntime second = start(processConfig("b"), processBackend());
    run(attempt("r1", "after", 1), Specs.process("after", List.of("true"), Map.of(), null), 0);
    awaitEvents("r1", "after", 1, SUCCEEDED);

    assertThat(Files.readAllLines(marker)).as("launches of r1/long#1").hasSize(1);
    assertThat(second.counters().launched()).as("the second instance launched only r1/after#1").isEqualTo(1);
    assertThat(kinds(eventsOf("r1", "long", 1))).containsExactly(STARTED, HEARTBEAT, FAILED);
  }

  @Test
  void shouldNotLaunchAStartedAttemptAgainAfterTheExecutorWasKilled() throws Exception {
    Path marker = work.resolve("marker");
    Path state = work.resolve("state");
    ProcessBackend crashedBackend = new ProcessBackend(work, state);
    toClose.add(crashedBackend);
    ExecutorRuntime crashed = start(processConfig("a", Map.of("consumer.session.timeout.ms", 6000)), crashedBackend);
    run(attempt("r1", "long", 1), Specs.process("long", List.of("sh", "-c", "echo launched >> " + marker + "; sleep 100"), Map.of(), null), 0);
    ProcessHandle leftover = ProcessHandle.of(Long.parseLong(awaitEvents("r1", "long", 1, HEARTBEAT).get(1).getHandle())).orElseThrow();

    crashed.halt();
    assertThat(leftover.isAlive()).as("a killed executor's processes keep running").isTrue();

    // A new pod on the same state directory, not the same instance id: it kills the leftover at start, and gets the
    // partitions once the dead member's session expires.
    ProcessBackend nextBackend = new ProcessBackend(work, state);
    toClose.add(nextBackend);
    ExecutorRuntime second = start(processConfig("b", Map.of("consumer.session.timeout.ms", 6000)), nextBackend);
    run(attempt("r1", "after", 1), Specs.process("after", List.of("true"), Map.of(), null), 0);
    awaitEvents("r1", "after", 1, SUCCEEDED);

    assertThat(Files.readAllLines(marker)).as("launches of r1/long#1").hasSize(1);
    assertThat(second.counters().launched()).isEqualTo(1);
    assertThat(kinds(eventsOf("r1", "long", 1))).as("a killed executor reports nothing more").containsExactly(STARTED, HEARTBEAT);
    Conditions.await("the leftover process " + leftover.pid() + " to be killed", WAIT, () -> !leftover.isAlive());
  }

  @Test
  void shouldCloseWithinTenSecondsWithDefaultSettingsEvenWhenATaskIgnoresSigterm() throws Exception {
    ExecutorConfig defaults = ExecutorConfig.builder(kafka.bootstrapServers(), serdes.taskCommand(), serdes.taskEvent())
        .topics(topics).groupId(group).instanceId("a").build();
    ExecutorRuntime runtime = start(defaults, processBackend());
    run(attempt("r1", "stubborn", 1), Specs.process("stubborn", List.of("sh", "-c", "trap '' TERM; sleep 100"), Map.of(), null), 0);
    ProcessHandle root = ProcessHandle.of(Long.parseLong(awaitEvents("r1", "stubborn", 1, HEARTBEAT).get(1).getHandle())).orElseThrow();
    List<ProcessHandle> tree = Conditions.awaitValue("the shell and its sleep", WAIT, () -> {
      List<ProcessHandle> t = new ArrayList<>(root.descendants().toList());
      t.add(root);
      return t.size() >= 2 ? t : null;
    });

    long t0 = System.nanoTime();
    runtime.close();
    long closeMs = (System.nanoTime() - t0) / 1_000_000;

    System.out.println("close() with a task that ignores SIGTERM took " + closeMs + " ms");
    assertThat(closeMs).isLessThan(10_000);
    assertThat(runtime.state()).isEqualTo(ExecutorRuntime.State.CLOSED);
    // Killed ones are reaped by init a moment later.
    Conditions.await("the task's tree to be gone", Duration.ofSeconds(5), () -> tree.stream().noneMatch(ProcessHandle::isAlive));
    TaskEvent lost = last(awaitEvents("r1", "stubborn", 1, FAILED));
    assertThat(lost.getFailureKind()).isEqualTo(FailureKind.LOST);
  }

  @Test
  void shouldCancelARunningProcessTreeAndReportCancelled() throws Exception {
    start(processConfig("a"), processBackend());
    run(attempt("r1", "tree", 1), Specs.process("tree", List.of("sh", "-c", "sleep 100 & sleep 100; wait"), Map.of(), null), 0);
    long pid = Long.parseLong(awaitEvents("r1", "tree", 1, HEARTBEAT).get(1).getHandle());
    ProcessHandle root = ProcessHandle.of(pid).orElseThrow();
    List<ProcessHandle> tree = Conditions.awaitValue("the shell's two children", WAIT, () -> {
      List<ProcessHandle> t = new ArrayList<>(root.descendants().toList());
      t.add(root);
      return t.size() >= 3 ? t : null;
    });

    send(command(CommandKind.CANCEL, attempt("r1", "tree", 1)).setReason("run cancelled by alice").build());

    TaskEvent cancelled = last(awaitEvents("r1", "tree", 1, CANCELLED));
    assertThat(cancelled.getReason()).isEqualTo("run cancelled by alice");
    assertThat(cancelled.getFailureKind()).isEqualTo(FailureKind.CANCELLED);
    Conditions.await("every process of the cancelled tree to be gone", WAIT, () -> tree.stream().noneMatch(ProcessHandle::isAlive));
    assertThat(kinds(eventsOf("r1", "tree", 1))).containsExactly(STARTED, HEARTBEAT, CANCELLED);
  }

  @Test
  void shouldIgnoreACancelForAnAttemptNotRunningHere() throws Exception {
    ExecutorRuntime runtime = start(processConfig("a"), processBackend());

    send(command(CommandKind.CANCEL, attempt("r1", "elsewhere", 1)).setReason("x").build());
    run(attempt("r1", "after", 1), Specs.process("after", List.of("true"), Map.of(), null), 0);

    awaitEvents("r1", "after", 1, SUCCEEDED);
    Conditions.await("the cancel to be read", WAIT, () -> runtime.counters().unknownCancels() == 1);
    assertThat(eventsOf("r1", "elsewhere", 1)).isEmpty();
  }

  @Test
  void shouldTimeOutAnAttemptAndReportTimedOut() throws Exception {
    start(processConfig("a"), processBackend());

    run(attempt("r1", "slow", 1), Specs.process("slow", List.of("sleep", "100"), Map.of(), null), 500);

    TaskEvent failed = last(awaitEvents("r1", "slow", 1, FAILED));
    assertThat(failed.getFailureKind()).isEqualTo(FailureKind.TIMED_OUT);
    assertThat(failed.getReason()).as("the backend's 'cancelled: timed out after 0.5s' not repeated")
        .isEqualTo("timed out after 0.5s and was cancelled");
  }

  @Test
  void shouldSendAnOutcomeAsSoonAsTheWorkEndsRatherThanWhenThePollTimesOut() throws Exception {
    // A poll that would wait far longer than this test does: the outcome must end it.
    ExecutorConfig config = ExecutorConfig.builder(kafka.bootstrapServers(), serdes.taskCommand(), serdes.taskEvent())
        .topics(topics).groupId(group).instanceId("a").pollTimeout(Duration.ofMinutes(10))
        .outputChecker(new LocalOutputChecker(work)).build();
    start(config, processBackend());

    for (int i = 1; i <= 3; i++) {
      run(attempt("r1", "t" + i, 1), Specs.process("t" + i, List.of("sleep", "0.2"), Map.of(), null), 0);
      assertThat(last(awaitEvents("r1", "t" + i, 1, SUCCEEDED)).getKind()).isEqualTo(SUCCEEDED);
    }
  }

  @Test
  void shouldHeartbeatWhileRunning() throws Exception {
    start(processConfig("a"), processBackend());

    send(command(CommandKind.RUN, attempt("r1", "beat", 1))
        .setTaskSpecJson(Specs.json(Specs.process("beat", List.of("sleep", "1.5"), Map.of(), null)))
        .setHeartbeatIntervalMs(300).setHeartbeatTimeoutMs(10_000).build());

    List<TaskEvent> got = awaitEvents("r1", "beat", 1, SUCCEEDED);
    assertThat(kinds(got).stream().filter(k -> k == HEARTBEAT).count()).isBetween(3L, 7L);
    assertThat(got.get(0).getKind()).isEqualTo(STARTED);
  }

  @Test
  void shouldRunNoMoreThanMaxConcurrentAttemptsAtOnce() throws Exception {
    ExecutorConfig config = ExecutorConfig.builder(kafka.bootstrapServers(), serdes.taskCommand(), serdes.taskEvent())
        .topics(topics).groupId(group).instanceId("a").maxConcurrent(1).build();
    start(config, processBackend());

    for (int i = 0; i < 3; i++) run(attempt("r1", "t" + i, 1), Specs.process("t" + i, List.of("sleep", "0.3"), Map.of(), null), 0);

    for (int i = 0; i < 3; i++) awaitEvents("r1", "t" + i, 1, SUCCEEDED);
    int running = 0;
    for (TaskEvent e : events) {
      if (e.getKind() == STARTED) running++;
      if (e.getKind() == SUCCEEDED) running--;
      assertThat(running).as("attempts started and not finished, at %s", e).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void shouldStartARunThatWaitedForASlotInTheTransactionOfTheOutcomeThatFreedIt() throws Exception {
    ExecutorConfig config = ExecutorConfig.builder(kafka.bootstrapServers(), serdes.taskCommand(), serdes.taskEvent())
        .topics(topics).groupId(group).instanceId("a").maxConcurrent(1).build();
    start(config, processBackend());

    for (int i = 0; i < 4; i++) {
      run(attempt("r1", "t" + i, 1), Specs.process("t" + i, List.of("sleep", "0.2"), Map.of(), null), 0);
    }

    for (int i = 0; i < 4; i++) awaitEvents("r1", "t" + i, 1, SUCCEEDED);
    // In one transaction the records have consecutive offsets; a commit leaves a marker between two transactions.
    List<String> startedRightAfterAnEnd = new ArrayList<>();
    for (int i = 1; i < events.size(); i++) {
      TaskEvent e = events.get(i);
      TaskEvent before = events.get(i - 1);
      if (e.getKind() == STARTED && before.getKind() == SUCCEEDED
          && eventOffsets.get(i) == eventOffsets.get(i - 1) + 1) {
        startedRightAfterAnEnd.add(e.getTaskId());
      }
    }
    assertThat(startedRightAfterAnEnd).as("the RUNs that waited for a slot, started with the outcome that freed it; "
        + "events: %s", events).hasSize(3);
  }

  @Test
  void shouldSendANoopAttemptsStartedAndOutcomeTogetherAndInOrder() throws Exception {
    ExecutorConfig config = ExecutorConfig.builder(kafka.bootstrapServers(), serdes.taskCommand(), serdes.taskEvent())
        .topics(topics).groupId(group).instanceId("a").maxConcurrent(1_000).build();
    String spec = Specs.json(Specs.noop("t", null));
    int n = 200;
    for (int i = 0; i < n; i++) {
      send(command(CommandKind.RUN, attempt("together-" + i, "t", 1)).setExecutor(NoopBackend.NAME).setTaskSpecJson(spec).build());
    }
    ExecutorRuntime runtime = start(config, new NoopBackend());

    Conditions.await(n + " attempts to succeed", Duration.ofSeconds(60),
        () -> poll().stream().filter(e -> e.getKind() == SUCCEEDED).count() >= n);

    for (int i = 0; i < n; i++) {
      // Launched before its transaction: the outcome must still follow STARTED in the log.
      assertThat(kinds(eventsOf("together-" + i, "t", 1))).containsExactly(STARTED, SUCCEEDED);
    }
    // One transaction per poll batch carries both events, not one per attempt.
    assertThat(runtime.counters().transactions()).isLessThan(n);
  }

  @Test
  void shouldRunManyNoopAttemptsQuickly() throws Exception {
    ExecutorConfig config = ExecutorConfig.builder(kafka.bootstrapServers(), serdes.taskCommand(), serdes.taskEvent())
        .topics(topics).groupId(group).instanceId("a").maxConcurrent(10_000).build();
    int n = 10_000;
    String spec = Specs.json(Specs.noop("t", null));
    for (int i = 0; i < n; i++) {
      TaskCommand c = command(CommandKind.RUN, attempt("r" + i, "t", 1)).setExecutor(NoopBackend.NAME).setTaskSpecJson(spec).build();
      producer.send(new ProducerRecord<>(topics.commands(NoopBackend.NAME),
          Topics.commandKey(c.getRunId(), "t").getBytes(StandardCharsets.UTF_8), serdes.taskCommand().serializer().serialize(topics.commands(NoopBackend.NAME), c)));
    }
    producer.flush();
    // Commands first, executor second: the rate then measures the executor, not this test's producer.
    long t0 = System.nanoTime();
    ExecutorRuntime runtime = start(config, new NoopBackend());

    Conditions.await(n + " attempts to succeed (counters: " + runtime.counters() + ")", Duration.ofSeconds(60),
        () -> poll().stream().filter(e -> e.getKind() == SUCCEEDED).count() >= n);

    double seconds = (System.nanoTime() - t0) / 1e9;
    // The executor's own view: from its first STARTED to its last SUCCEEDED, without this test's reading.
    long first = events.stream().mapToLong(TaskEvent::getAtMs).min().orElseThrow();
    long lastAt = events.stream().mapToLong(TaskEvent::getAtMs).max().orElseThrow();
    System.out.printf("noop: %d attempts in %.2f s as the test saw it, %d ms as the executor stamped it (%.0f/s); %s%n",
        n, seconds, lastAt - first, n * 1000.0 / Math.max(1, lastAt - first), runtime.counters());
    assertThat(runtime.counters().launched()).isEqualTo(n);
    assertThat(events.stream().filter(e -> e.getKind() == STARTED).count()).isEqualTo(n);
  }

  @Test
  void shouldAdoptWhatTheBackendFindsOnStartAndReportItsOutcome() throws Exception {
    dev.weft.executor.backend.AttemptId id = attempt("r1", "adopted", 1);
    AdoptingBackend backend = new AdoptingBackend(id);
    kafka.createTopics(List.of(topics.commands(backend.name())), 1);
    ExecutorRuntime runtime = start(processConfig("a"), backend);

    List<TaskEvent> beat = awaitEvents("r1", "adopted", 1, HEARTBEAT);
    assertThat(beat.get(0).getHandle()).isEqualTo("job-42");
    backend.listener.finished(dev.weft.executor.backend.AttemptOutcome.success(0, "done"));
    awaitEvents("r1", "adopted", 1, SUCCEEDED);
    // The coordinator may still send the RUN it sent before the restart: it was started, so it is not run again.
    send(command(CommandKind.RUN, id).setExecutor(backend.name()).setTaskSpecJson(Specs.json(Specs.noop("adopted", null))).build());
    Conditions.await("the RUN of the adopted attempt to be ignored", WAIT, () -> runtime.counters().duplicates() == 1);

    assertThat(kinds(eventsOf("r1", "adopted", 1))).containsExactly(HEARTBEAT, SUCCEEDED);
    assertThat(runtime.counters().adopted()).isEqualTo(1);
    assertThat(runtime.counters().launched()).isZero();
  }

  @Test
  void shouldAskTheBackendToStopTheWorkOfACancelledAttemptThatDoesNotRunHere() throws Exception {
    AdoptingBackend backend = new AdoptingBackend(attempt("r1", "adopted", 1));
    kafka.createTopics(List.of(topics.commands(backend.name())), 1);
    ExecutorRuntime runtime = start(processConfig("a"), backend);
    awaitEvents("r1", "adopted", 1, HEARTBEAT);

    // Its executor died for good; the coordinator presumed it lost and sent a CANCEL, which reached this instance.
    send(command(CommandKind.CANCEL, attempt("r1", "orphan", 1)).setExecutor(backend.name()).setReason("presumed lost").build());

    Conditions.await("the backend to stop the orphan", WAIT, () -> runtime.counters().unwatchedStops() == 1);
    assertThat(backend.stoppedUnwatched).containsExactly(attempt("r1", "orphan", 1));
    assertThat(eventsOf("r1", "orphan", 1)).as("whoever watches the work reports it, not this instance").isEmpty();
  }

  /** A backend whose work outlives the executor (like containers): it finds one attempt on start. */
  private static final class AdoptingBackend implements dev.weft.executor.backend.ExecutorBackend {
    private final dev.weft.executor.backend.AttemptId running;
    final List<dev.weft.executor.backend.AttemptId> stoppedUnwatched = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile dev.weft.executor.backend.AttemptListener listener;

    @Override
    public boolean stopUnwatched(dev.weft.executor.backend.AttemptId id, Duration grace, String reason) {
      stoppedUnwatched.add(id);
      return true;
    }

    AdoptingBackend(dev.weft.executor.backend.AttemptId running) {
      this.running = running;
    }

    @Override
    public String name() {
      return "adopting";
    }

    @Override
    public dev.weft.executor.backend.RunningAttempt launch(dev.weft.executor.backend.AttemptRequest request,
        dev.weft.executor.backend.AttemptListener l) throws dev.weft.executor.backend.LaunchException {
      throw new dev.weft.executor.backend.LaunchException(FailureKind.OTHER, "this test backend only adopts");
    }

    @Override
    public List<dev.weft.executor.backend.AttemptId> findRunning() {
      return List.of(running);
    }

    @Override
    public dev.weft.executor.backend.RunningAttempt adopt(dev.weft.executor.backend.AttemptId id, dev.weft.executor.backend.AttemptListener l) {
      listener = l;
      return new dev.weft.executor.backend.RunningAttempt() {
        @Override
        public String handle() {
          return "job-42";
        }

        @Override
        public void cancel(Duration grace, String reason) {
          l.finished(dev.weft.executor.backend.AttemptOutcome.failure(FailureKind.CANCELLED, null, reason, ""));
        }
      };
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  private ExecutorConfig processConfig(String instance) {
    return processConfig(instance, Map.of());
  }

  private ExecutorConfig processConfig(String instance, Map<String, Object> client) {
    return ExecutorConfig.builder(kafka.bootstrapServers(), serdes.taskCommand(), serdes.taskEvent())
        .topics(topics).groupId(group).instanceId(instance).cancelGrace(Duration.ofSeconds(2))
        .outputChecker(new LocalOutputChecker(work)).clientProperties(client).build();
  }

  private ProcessBackend processBackend() {
    ProcessBackend b = new ProcessBackend(work, null);
    toClose.add(b);
    return b;
  }

  private ExecutorRuntime start(ExecutorConfig config, dev.weft.executor.backend.ExecutorBackend backend) {
    ExecutorRuntime r = new ExecutorRuntime(config, backend);
    toClose.add(r);
    r.start();
    return r;
  }

  private static List<String> appendTo(Path marker) {
    return List.of("sh", "-c", "echo launched >> " + marker);
  }

  private static dev.weft.executor.backend.AttemptId attempt(String run, String task, int n) {
    return new dev.weft.executor.backend.AttemptId(run, task, n);
  }

  private static TaskCommand.Builder command(CommandKind kind, dev.weft.executor.backend.AttemptId id) {
    return TaskCommand.newBuilder().setKind(kind).setRunId(id.runId()).setTaskId(id.taskId()).setAttempt(id.attempt())
        .setExecutor(ProcessBackend.NAME).setPipeline("test").setIssuedAtMs(System.currentTimeMillis());
  }

  private void run(dev.weft.executor.backend.AttemptId id, TaskSpec spec, long timeoutMs) throws Exception {
    send(command(CommandKind.RUN, id).setTaskSpecJson(Specs.json(spec)).setTimeoutMs(timeoutMs).build());
  }

  private void send(TaskCommand c) throws Exception {
    String topic = topics.commands(c.getExecutor());
    producer.send(new ProducerRecord<>(topic, Topics.commandKey(c.getRunId(), c.getTaskId()).getBytes(StandardCharsets.UTF_8),
        serdes.taskCommand().serializer().serialize(topic, c))).get();
  }

  /** Reads what is new on task-events and dead-letter; returns all task events so far. */
  private List<TaskEvent> poll() {
    for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(100))) {
      if (r.topic().equals(topics.deadLetter())) deadLetters.add(r);
      else {
        events.add(serdes.taskEvent().deserializer().deserialize(r.topic(), r.headers(), r.value()));
        eventOffsets.add(r.offset());
      }
    }
    return events;
  }

  private List<TaskEvent> eventsOf(String run, String task, int attempt) {
    poll();
    return events.stream().filter(e -> e.getRunId().equals(run) && e.getTaskId().equals(task) && e.getAttempt() == attempt).toList();
  }

  /** The attempt's events up to and including the first of {@code kind}. */
  private List<TaskEvent> awaitEvents(String run, String task, int attempt, TaskEventKind kind) {
    Conditions.await(kind + " for " + run + "/" + task + "#" + attempt + " (events so far: " + events.size() + ")", WAIT,
        () -> eventsOf(run, task, attempt).stream().anyMatch(e -> e.getKind() == kind));
    List<TaskEvent> all = eventsOf(run, task, attempt);
    List<TaskEvent> upTo = new ArrayList<>();
    for (TaskEvent e : all) {
      upTo.add(e);
      if (e.getKind() == kind) break;
    }
    return upTo;
  }

  private ConsumerRecord<byte[], byte[]> awaitDeadLetter() {
    Conditions.await("a dead-letter record", WAIT, () -> {
      poll();
      return !deadLetters.isEmpty();
    });
    return deadLetters.get(0);
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static List<TaskEventKind> kinds(List<TaskEvent> events) {
    return events.stream().map(TaskEvent::getKind).toList();
  }

  private static TaskEvent last(List<TaskEvent> events) {
    return events.get(events.size() - 1);
  }
}
