package dev.weft.coordinator.topology;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.state.AvroStateSerde;
import dev.weft.coordinator.state.BackfillState;
import dev.weft.coordinator.state.RunSpec;
import dev.weft.coordinator.state.RunIndexEntry;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.ScheduleState;
import dev.weft.coordinator.state.TaskState;
import dev.weft.coordinator.state.TimerEntry;
import dev.weft.coordinator.state.WriteBackStore;
import dev.weft.serde.WeftSerdes;
import dev.weft.topics.Topics;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The coordinator's one topology, used by the service, the tests and the benchmark alike.
 *
 * <pre>
 *   pipeline-requests ─► decode-requests ──┐                ┌─► commands.&lt;executor&gt;
 *                                           ├─► fold (stores) ├─► run-events, pipeline-requests (reruns, backfills, schedules)
 *   task-events ──────► decode-task-events ─┘     │  timers   ├─► task-events (RETRY_DUE, …, RUN_EXPIRED, SCHEDULE_DUE)
 *                          │                      │           └─► dead-letter
 *                          └──────────────────────┴─────────────► dead-letter
 * </pre>
 *
 * Both inputs are keyed by runId and land in one sub-topology, so one stream task owns all of a run's state. The
 * fold writes its own timer decisions back to task-events: they come back as input, which is what makes a replay
 * of the log reproduce them.
 */
public final class CoordinatorTopology {
  public static final String REQUESTS_SOURCE = "requests-source";
  public static final String TASK_EVENTS_SOURCE = "task-events-source";
  public static final String DECODE_REQUESTS = "decode-requests";
  public static final String DECODE_TASK_EVENTS = "decode-task-events";
  public static final String FOLD = "fold";
  public static final String COMMANDS_SINK = "commands-sink";
  public static final String RUN_EVENTS_SINK = "run-events-sink";
  public static final String TASK_EVENTS_SINK = "task-events-sink";
  public static final String DEAD_LETTER_SINK = "dead-letter-sink";
  /** Requests the fold itself publishes: a rerun's SUBMIT, a backfill's runs and their cancels. */
  public static final String REQUESTS_SINK = "requests-sink";
  public static final String RUNS_STORE = "runs";
  public static final String TASKS_STORE = "tasks";
  public static final String TIMERS_STORE = "timers";
  /** Every run held, keyed newest first ({@code StateKeys.runIndex}): what the run list pages through. */
  public static final String RUN_INDEX_STORE = "run-index";
  /** The spec each run held was submitted with, by run id: what a rerun starts again. */
  public static final String RUN_SPECS_STORE = "run-specs";
  /** Backfills by id: their values, each value's run and status. */
  public static final String BACKFILLS_STORE = "backfills";
  /** Schedules by name (each in the partition of its key {@code schedule:NAME}); their next slots are timers. */
  public static final String SCHEDULES_STORE = "schedules";
  /**
   * How many of a waiting task's dependencies have ended, by task key, until it stops waiting: apart from the task's
   * record, which a fan-in makes large (KeyValueCoordinatorState).
   */
  public static final String DEPENDENCIES_MET_STORE = "dependencies-met";

  /**
   * Decoded values kept after their commit: the tasks in flight of many runs (a task is 0.3 to a few KB). 120,000
   * made the 100,000-task fan-out a third faster but a replay a quarter to a third slower, and the fan-out's 2026-12-02
   * trial slowed the layered run: docs/performance.md, "The decoded-task cache again" (2026-12-03).
   */
  static final int MAX_CLEAN_TASKS = 20_000;
  static final int MAX_CLEAN_RUNS = 2_000;

  private CoordinatorTopology() {}

  /** Builds with persistent (RocksDB) stores, the fold pacing its commits as {@code pacing} says. */
  public static Topology build(Topics topics, WeftSerdes serdes, CoordinatorOptions options, FoldStats stats,
      CommitPacing pacing) {
    return build(topics, serdes, options, stats, true, pacing);
  }

  /** Builds with every commit left to Kafka Streams' interval ({@link CommitPacing#OFF}): the topology test driver. */
  public static Topology build(Topics topics, WeftSerdes serdes, CoordinatorOptions options, FoldStats stats,
      boolean persistentStores) {
    return build(topics, serdes, options, stats, persistentStores, CommitPacing.OFF);
  }

  public static Topology build(Topics topics, WeftSerdes serdes, CoordinatorOptions options, FoldStats stats,
      boolean persistentStores, CommitPacing pacing) {
    Topology t = new Topology();
    ByteArrayDeserializer bytes = new ByteArrayDeserializer();
    t.addSource(REQUESTS_SOURCE, bytes, bytes, topics.requests());
    t.addSource(TASK_EVENTS_SOURCE, bytes, bytes, topics.taskEvents());
    t.addProcessor(DECODE_REQUESTS,
        () -> new DecodeProcessor<>(serdes.runRequest().deserializer(), RunRequest::getRunId, stats), REQUESTS_SOURCE);
    t.addProcessor(DECODE_TASK_EVENTS,
        () -> new DecodeProcessor<>(serdes.taskEvent().deserializer(), TaskEvent::getRunId, stats), TASK_EVENTS_SOURCE);
    t.addProcessor(FOLD, () -> new FoldProcessor(options, stats, pacing), DECODE_REQUESTS, DECODE_TASK_EVENTS);

    // Write-back: a task's record is written several times while it moves (dispatched, started, completed, each
    // dependency met) and the run's header on every one of those moves. The store keeps decoded values and writes
    // each key once per commit, so the changelog and RocksDB get one write per key per commit, and the fold neither
    // encodes nor decodes on the way (WriteBackStore, docs/performance.md).
    t.addStateStore(WriteBackStore.builder(Stores.keyValueStoreBuilder(supplier(RUNS_STORE, persistentStores),
        Serdes.String(), new AvroStateSerde<>(RunState.class)), MAX_CLEAN_RUNS), FOLD);
    t.addStateStore(WriteBackStore.builder(Stores.keyValueStoreBuilder(supplier(TASKS_STORE, persistentStores),
        Serdes.String(), new AvroStateSerde<>(TaskState.class)), MAX_CLEAN_TASKS), FOLD);
    // A count per waiting task with a dependency ended; mostly put and deleted within one commit (a task's last
    // dependency and its dispatch), which writes nothing.
    t.addStateStore(WriteBackStore.builder(Stores.keyValueStoreBuilder(supplier(DEPENDENCIES_MET_STORE,
        persistentStores), Serdes.String(), Serdes.Integer()), MAX_CLEAN_TASKS), FOLD);
    t.addStateStore(WriteBackStore.builder(Stores.keyValueStoreBuilder(supplier(TIMERS_STORE, persistentStores),
        Serdes.String(), new AvroStateSerde<>(TimerEntry.class)), 0), FOLD);
    // Written when a run is accepted, changes status and expires; read only by the query API, so nothing is kept
    // decoded after a commit.
    t.addStateStore(WriteBackStore.builder(Stores.keyValueStoreBuilder(supplier(RUN_INDEX_STORE, persistentStores),
        Serdes.String(), new AvroStateSerde<>(RunIndexEntry.class)), 0), FOLD);
    // Written once per run and read only by a rerun: nothing kept decoded.
    t.addStateStore(WriteBackStore.builder(Stores.keyValueStoreBuilder(supplier(RUN_SPECS_STORE, persistentStores),
        Serdes.String(), new AvroStateSerde<>(RunSpec.class)), 0), FOLD);
    t.addStateStore(WriteBackStore.builder(Stores.keyValueStoreBuilder(supplier(BACKFILLS_STORE, persistentStores),
        Serdes.String(), new AvroStateSerde<>(BackfillState.class)), 100), FOLD);
    t.addStateStore(WriteBackStore.builder(Stores.keyValueStoreBuilder(supplier(SCHEDULES_STORE, persistentStores),
        Serdes.String(), new AvroStateSerde<>(ScheduleState.class)), 100), FOLD);

    StringSerializer keys = new StringSerializer();
    TopicNameExtractor<String, TaskCommand> byExecutor = (key, command, ctx) -> topics.commands(command.getExecutor());
    t.addSink(COMMANDS_SINK, byExecutor, keys, serdes.taskCommand().serializer(), FOLD);
    t.addSink(RUN_EVENTS_SINK, topics.runEvents(), keys, serdes.runEvent().serializer(), FOLD);
    t.addSink(TASK_EVENTS_SINK, topics.taskEvents(), keys, serdes.taskEvent().serializer(), FOLD);
    t.addSink(REQUESTS_SINK, topics.requests(), keys, serdes.runRequest().serializer(), FOLD);
    ByteArraySerializer raw = new ByteArraySerializer();
    t.addSink(DEAD_LETTER_SINK, topics.deadLetter(), raw, raw, FOLD, DECODE_REQUESTS, DECODE_TASK_EVENTS);
    return t;
  }

  private static KeyValueBytesStoreSupplier supplier(String name, boolean persistent) {
    return persistent ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
  }
}
