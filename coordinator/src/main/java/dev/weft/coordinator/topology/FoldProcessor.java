package dev.weft.coordinator.topology;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.apply.EventApplier;
import dev.weft.coordinator.decide.Decisions;
import dev.weft.coordinator.decide.RunRequestDecider;
import dev.weft.coordinator.decide.TaskEventDecider;
import dev.weft.coordinator.decide.TimerDecider;
import dev.weft.coordinator.event.CoordinatorEvent;
import dev.weft.coordinator.state.KeyValueCoordinatorState;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.TaskState;
import dev.weft.coordinator.state.TimerEntry;
import dev.weft.coordinator.state.WriteBackStore;
import dev.weft.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin glue around the deciders: read the input, hand it to its decider with a read-only view of state, let the
 * applier write what was decided, forward the outputs. It also runs the wall-clock punctuation that turns due
 * timers into task events.
 */
final class FoldProcessor implements Processor<String, Input, Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(FoldProcessor.class);
  private final CoordinatorOptions options;
  private final FoldStats stats;
  private ProcessorContext<Object, Object> ctx;
  private RunRequestDecider requests;
  private TaskEventDecider taskEvents;
  private TimerDecider timers;
  private EventApplier applier;
  private KeyValueCoordinatorState state;
  private List<KeyValueStore<String, ?>> stores;
  /** Whether the record being processed was already folded and published by the coordinator a replay replaces. */
  private boolean alreadyPublished;

  FoldProcessor(CoordinatorOptions options, FoldStats stats) {
    this.options = options;
    this.stats = stats;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.ctx = context;
    KeyValueStore<String, RunState> runs = context.getStateStore(CoordinatorTopology.RUNS_STORE);
    KeyValueStore<String, TaskState> tasks = context.getStateStore(CoordinatorTopology.TASKS_STORE);
    KeyValueStore<String, TimerEntry> timerStore = context.getStateStore(CoordinatorTopology.TIMERS_STORE);
    this.state = new KeyValueCoordinatorState(runs, tasks, timerStore);
    this.stores = List.of(runs, tasks, timerStore);
    this.applier = new EventApplier(state);
    this.requests = new RunRequestDecider(state, options.limits());
    this.taskEvents = new TaskEventDecider(state);
    this.timers = new TimerDecider(state);
    context.schedule(Duration.ofMillis(options.timerTickMs()), PunctuationType.WALL_CLOCK_TIME, this::fireTimers);
  }

  @Override
  public void process(Record<String, Input> record) {
    stats.processed.incrementAndGet();
    alreadyPublished = ctx.recordMetadata()
        .map(m -> options.catchUp().isBelow(m.topic(), m.partition(), m.offset())).orElse(false);
    Input input = record.value();
    RecordDecisions d = new RecordDecisions(record);
    try {
      if (input.value() instanceof RunRequest r) requests.decide(r, d);
      else if (input.value() instanceof TaskEvent e) taskEvents.decide(e, d);
    } catch (KafkaException e) {
      forgetCached();
      throw e; // the runtime's own failures (fencing, store) must reach Streams, which restarts the task cleanly
    } catch (RuntimeException e) {
      // A bug must not stop every other run: record it loudly and move on.
      LOG.error("internal error deciding on {} for run {}; the input goes to dead-letter", input.value().getClass()
          .getSimpleName(), record.key(), e);
      forgetCached();
      d.deadLetter("internal error in the coordinator: " + e);
    }
  }

  /**
   * After a decision failed half-applied, decoded values that a failed applier may have changed without writing are
   * dropped, so that reads come from the store again. (Context stores are Kafka's read-write decorators around the
   * registered {@link WriteBackStore}.)
   */
  private void forgetCached() {
    state.forgetCached();
    for (KeyValueStore<String, ?> s : stores) {
      WriteBackStore<?> wb = WriteBackStore.of(s);
      if (wb != null) wb.forgetClean();
    }
  }

  private void fireTimers(long now) {
    if (!options.catchUp().done()) return;
    RecordDecisions d = new RecordDecisions(null);
    int fired = timers.fire(now, options.maxTimersPerTick(), d);
    stats.timersFired.addAndGet(fired);
  }

  /** Decisions for one input (or one punctuation): applies events now, forwards outputs unless catching up. */
  private final class RecordDecisions implements Decisions {
    private final Record<String, Input> input;

    RecordDecisions(Record<String, Input> input) {
      this.input = input;
    }

    private long ts() {
      return input == null ? ctx.currentSystemTimeMs() : input.timestamp();
    }

    @Override
    public boolean publishing() {
      return input == null || !alreadyPublished;
    }

    @Override
    public void record(CoordinatorEvent event) {
      applier.apply(event);
    }

    @Override
    public void command(TaskCommand command) {
      if (!publishing()) {
        stats.suppressedCommands.incrementAndGet();
        return;
      }
      stats.commands.incrementAndGet();
      ctx.forward(new Record<>(Topics.commandKey(command.getRunId(), command.getTaskId()), command, ts()),
          CoordinatorTopology.COMMANDS_SINK);
    }

    @Override
    public void runEvent(RunEvent event) {
      if (publishing()) ctx.forward(new Record<>(event.getRunId(), event, ts()), CoordinatorTopology.RUN_EVENTS_SINK);
    }

    @Override
    public void taskEvent(TaskEvent event) {
      if (publishing()) ctx.forward(new Record<>(event.getRunId(), event, ts()), CoordinatorTopology.TASK_EVENTS_SINK);
    }

    @Override
    public void ignored(String reason, Object in) {
      stats.ignored.computeIfAbsent(reason.replaceAll("\\d+", "N"), k -> new AtomicLong()).incrementAndGet();
      // A warning, not an error: duplicates and late events are normal in a distributed system, but worth seeing.
      LOG.warn("ignored input for run {}: {}", input == null ? "?" : input.key(), reason);
    }

    @Override
    public void deadLetter(String reason) {
      if (input == null || !publishing()) return;
      stats.deadLettered.incrementAndGet();
      byte[] key = input.key() == null ? null : input.key().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ctx.forward(DeadLetters.record(ctx, key, input.value().raw(), reason, input.timestamp()),
          CoordinatorTopology.DEAD_LETTER_SINK);
    }
  }
}
