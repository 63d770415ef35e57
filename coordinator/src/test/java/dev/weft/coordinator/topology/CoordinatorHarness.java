package dev.weft.coordinator.topology;

import dev.weft.avro.CommandKind;
import dev.weft.avro.FailureKind;
import dev.weft.avro.RequestKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import dev.weft.serde.WeftSerdes;
import dev.weft.spec.PipelineSpecs;
import dev.weft.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/** The production topology in a TopologyTestDriver, with the verbs the tests speak: submit, report, advance. */
final class CoordinatorHarness implements AutoCloseable {
  static final Topics TOPICS = Topics.DEFAULT;
  final WeftSerdes serdes = WeftSerdes.inMemory();
  /** What the fold's metrics recorded, for the tests that read them. */
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final FoldStats stats = new FoldStats(meters);
  final TopologyTestDriver driver;
  final TestInputTopic<String, RunRequest> requests;
  final TestInputTopic<String, TaskEvent> events;
  final TestInputTopic<byte[], byte[]> rawRequests;
  final Map<String, TestOutputTopic<String, TaskCommand>> commands = new TreeMap<>();
  final TestOutputTopic<String, RunEvent> runEvents;
  final TestOutputTopic<byte[], byte[]> deadLetters;
  final TestOutputTopic<String, TaskEvent> taskEventsOut;
  /** Every input piped in, in order: the log a replay folds again. */
  final List<Object> log = new ArrayList<>();
  long now = 1_700_000_000_000L;
  /**
   * Every input the fold decided on, in the order it did, the fold's own written-back requests and task events
   * included (the driver pipes them back at once): the log in the order a real topic would hold it.
   */
  final List<org.apache.avro.specific.SpecificRecord> folded = new ArrayList<>();
  /** The spec JSON of the last {@link #submit}, as the request carried it. */
  String lastSpecJson;

  CoordinatorHarness() {
    this(CoordinatorOptions.DEFAULT);
  }

  CoordinatorHarness(CoordinatorOptions options) {
    this(options, 1_700_000_000_000L);
  }

  /** Starts the test's clock and the driver's wall clock at {@code startMs} (a schedule's tests pick their dates). */
  CoordinatorHarness(CoordinatorOptions options, long startMs) {
    now = startMs;
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "weft-coordinator-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    CoordinatorOptions recording = options.withDeciders((state, settings) -> new RecordingDecider(
        options.deciders().create(state, settings), folded));
    driver = new TopologyTestDriver(
        CoordinatorTopology.build(TOPICS, serdes, recording, stats, false), p, Instant.ofEpochMilli(now));
    requests = driver.createInputTopic(TOPICS.requests(), new StringSerializer(), serdes.runRequest().serializer());
    events = driver.createInputTopic(TOPICS.taskEvents(), new StringSerializer(), serdes.taskEvent().serializer());
    rawRequests = driver.createInputTopic(TOPICS.requests(), new ByteArraySerializer(), new ByteArraySerializer());
    for (String ex : PipelineSpecs.EXECUTORS) {
      commands.put(ex, driver.createOutputTopic(TOPICS.commands(ex), new StringDeserializer(), serdes.taskCommand().deserializer()));
    }
    runEvents = driver.createOutputTopic(TOPICS.runEvents(), new StringDeserializer(), serdes.runEvent().deserializer());
    deadLetters = driver.createOutputTopic(TOPICS.deadLetter(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    taskEventsOut = driver.createOutputTopic(TOPICS.taskEvents(), new StringDeserializer(), serdes.taskEvent().deserializer());
  }

  void submit(String runId, String yaml) throws Exception {
    submit(runId, yaml, Map.of(), null);
  }

  void submit(String runId, String yaml, Map<String, String> params, String idempotencyKey) throws Exception {
    lastSpecJson = PipelineSpecs.toJson(PipelineSpecs.parse(yaml));
    RunRequest r = RunRequest.newBuilder().setKind(RequestKind.SUBMIT).setRunId(runId).setRequestedAtMs(now)
        .setRequester("test").setSpecJson(lastSpecJson).setParams(params)
        .setIdempotencyKey(idempotencyKey).build();
    pipe(r);
  }

  void cancel(String runId, String taskId) {
    pipe(RunRequest.newBuilder().setKind(RequestKind.CANCEL).setRunId(runId).setRequestedAtMs(now).setRequester("test")
        .setTaskId(taskId).build());
  }

  void pipe(RunRequest r) {
    log.add(r);
    requests.pipeInput(new TestRecord<>(r.getRunId(), r, Instant.ofEpochMilli(now)));
  }

  void pipe(TaskEvent e) {
    log.add(e);
    events.pipeInput(new TestRecord<>(e.getRunId(), e, Instant.ofEpochMilli(now)));
  }

  TaskEvent event(TaskEventKind kind, TaskCommand c) {
    return TaskEvent.newBuilder().setKind(kind).setRunId(c.getRunId()).setTaskId(c.getTaskId())
        .setAttempt(c.getAttempt()).setAtMs(now).setSource("test-executor").build();
  }

  /** An executor that starts the attempt and finishes it successfully. */
  void succeed(TaskCommand c) {
    pipe(event(TaskEventKind.STARTED, c));
    pipe(event(TaskEventKind.SUCCEEDED, c));
  }

  /** An executor that starts the attempt and finishes it successfully with a result ($WEFT_RESULT_FILE). */
  void succeedWithResult(TaskCommand c, String resultJson) {
    pipe(event(TaskEventKind.STARTED, c));
    TaskEvent e = event(TaskEventKind.SUCCEEDED, c);
    e.setResultJson(resultJson);
    pipe(e);
  }

  void fail(TaskCommand c, int exitCode, FailureKind kind) {
    pipe(event(TaskEventKind.STARTED, c));
    TaskEvent e = event(TaskEventKind.FAILED, c);
    e.setExitCode(exitCode);
    e.setFailureKind(kind);
    e.setReason("exit code " + exitCode + "; boom");
    e.setLogTail("line 1\nboom");
    pipe(e);
  }

  /** Moves both the test's clock and the driver's wall clock (which drives timer punctuation). */
  void advance(Duration d) {
    now += d.toMillis();
    driver.advanceWallClockTime(d);
    // The coordinator's own timer events went into task-events and were folded: they are part of the log too.
    log.addAll(taskEventsOut.readValuesToList());
  }

  /** Folds a recorded log into this (empty) coordinator without advancing its clock: no timer can fire. */
  void replay(List<Object> recorded) {
    for (Object o : recorded) {
      if (o instanceof RunRequest r) pipe(r);
      else pipe((TaskEvent) o);
    }
  }

  /** Folds what another coordinator folded (its {@link #folded}) into this one, in that order. */
  void refold(List<org.apache.avro.specific.SpecificRecord> recorded) {
    for (Object o : recorded) {
      if (o instanceof RunRequest r) pipe(r);
      else pipe((TaskEvent) o);
    }
  }

  /** Asks to rerun {@code runId} as {@code newRunId}. */
  void rerun(String runId, String newRunId, boolean failed, List<String> from, List<String> tasks) {
    pipe(RunRequest.newBuilder().setKind(RequestKind.RERUN).setRunId(runId).setNewRunId(newRunId)
        .setRequestedAtMs(now).setRequester("test").setRerunFailed(failed).setRerunFrom(from).setRerunTasks(tasks)
        .build());
  }

  dev.weft.coordinator.state.ScheduleState schedule(String name) {
    KeyValueStore<String, dev.weft.coordinator.state.ScheduleState> s =
        driver.getKeyValueStore(CoordinatorTopology.SCHEDULES_STORE);
    return s.get(name);
  }

  dev.weft.coordinator.state.BackfillState backfill(String id) {
    KeyValueStore<String, dev.weft.coordinator.state.BackfillState> s =
        driver.getKeyValueStore(CoordinatorTopology.BACKFILLS_STORE);
    return s.get(id);
  }

  /** Every command published since the last call, all executors, in publication order per executor. */
  List<TaskCommand> drainCommands() {
    List<TaskCommand> out = new ArrayList<>();
    for (TestOutputTopic<String, TaskCommand> t : commands.values()) out.addAll(t.readValuesToList());
    return out;
  }

  List<TaskCommand> drainRuns() {
    return drainCommands().stream().filter(c -> c.getKind() == CommandKind.RUN).toList();
  }

  List<RunEvent> drainRunEvents() {
    return runEvents.readValuesToList();
  }

  TaskState task(String runId, String taskId) {
    KeyValueStore<String, TaskState> s = driver.getKeyValueStore(CoordinatorTopology.TASKS_STORE);
    return s.get(runId + "/" + taskId);
  }

  /** The task's dependencies not met yet: its record's count less those met since (the dependencies-met store). */
  int unmetDependencies(String runId, String taskId) {
    KeyValueStore<String, Integer> met = driver.getKeyValueStore(CoordinatorTopology.DEPENDENCIES_MET_STORE);
    Integer counted = met.get(runId + "/" + taskId);
    return task(runId, taskId).getUnmetDeps() - (counted == null ? 0 : counted);
  }

  RunState run(String runId) {
    KeyValueStore<String, RunState> s = driver.getKeyValueStore(CoordinatorTopology.RUNS_STORE);
    return s.get(runId);
  }

  /** A store's whole content as text, for comparing two folds. */
  Map<String, String> dump(String storeName) {
    Map<String, String> out = new TreeMap<>();
    KeyValueStore<String, Object> s = driver.getKeyValueStore(storeName);
    try (KeyValueIterator<String, Object> it = s.all()) {
      while (it.hasNext()) {
        KeyValue<String, Object> kv = it.next();
        out.put(kv.key, String.valueOf(kv.value));
      }
    }
    return out;
  }

  /** The one command of {@code commands}, which must be for {@code taskId}. */
  static TaskCommand only(List<TaskCommand> commands, String taskId) {
    org.assertj.core.api.Assertions.assertThat(ids(commands)).containsExactly(taskId);
    return commands.get(0);
  }

  static List<String> ids(List<TaskCommand> commands) {
    return commands.stream().map(TaskCommand::getTaskId).toList();
  }

  /** Folds {@code first}'s log again into empty stores: the runs, tasks, timers and dependencies-met stores are equal key by key. */
  static void assertReplaysToTheSameStores(CoordinatorHarness first, CoordinatorOptions options) {
    List<Object> recorded = new ArrayList<>(first.log);
    try (CoordinatorHarness replay = new CoordinatorHarness(options)) {
      replay.replay(recorded);
      for (String store : List.of(CoordinatorTopology.RUNS_STORE, CoordinatorTopology.TASKS_STORE,
          CoordinatorTopology.TIMERS_STORE, CoordinatorTopology.DEPENDENCIES_MET_STORE)) {
        org.assertj.core.api.Assertions.assertThat(replay.dump(store)).as(store).isEqualTo(first.dump(store));
      }
    }
  }

  @Override
  public void close() {
    driver.close();
  }

  /** The production decider, noting each input before deciding on it. */
  private record RecordingDecider(dev.weft.coordinator.decide.FoldDecider production,
      List<org.apache.avro.specific.SpecificRecord> folded) implements dev.weft.coordinator.decide.FoldDecider {
    @Override
    public void decide(org.apache.avro.specific.SpecificRecord input, dev.weft.coordinator.decide.Decisions d) {
      folded.add(input);
      production.decide(input, d);
    }

    @Override
    public int fireTimers(long nowMs, int max, dev.weft.coordinator.decide.Decisions d) {
      return production.fireTimers(nowMs, max, d);
    }
  }
}
