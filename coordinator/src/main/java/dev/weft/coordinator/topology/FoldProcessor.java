package dev.weft.coordinator.topology;

import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskEvent;
import dev.weft.coordinator.apply.EventApplier;
import dev.weft.coordinator.decide.Decision;
import dev.weft.coordinator.decide.DecisionBuilder;
import dev.weft.coordinator.decide.Decisions;
import dev.weft.coordinator.decide.FoldDecider;
import dev.weft.coordinator.decide.TimerDecider;
import dev.weft.coordinator.event.CoordinatorEvent;
import dev.weft.coordinator.state.BackfillState;
import dev.weft.coordinator.state.KeyValueCoordinatorState;
import dev.weft.coordinator.state.RunSpec;
import dev.weft.coordinator.state.RunIndexEntry;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.ScheduleState;
import dev.weft.coordinator.state.StagedCoordinatorState;
import dev.weft.coordinator.state.TaskState;
import dev.weft.coordinator.state.TimerEntry;
import dev.weft.topics.DeadLetterReason;
import dev.weft.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin glue around the deciders: hand each input to the decider with a view of state, and once the decider has
 * returned its {@link Decision}, keep its state changes and forward its outputs. It also runs the wall-clock
 * punctuation that turns due timers into task events.
 *
 * <p>A decision is all or nothing. The applier writes a decision's events to a {@link StagedCoordinatorState} that
 * the decider reads through; only when the decider returns are the staged changes committed to the stores and the
 * outputs forwarded. When it throws (a bug), the staged changes are discarded, so stores, their caches and the timer
 * index are exactly as before the input, nothing of the decision is sent, and the input goes to dead-letter with
 * the reason. The other runs go on.
 */
final class FoldProcessor implements Processor<String, Input, Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(FoldProcessor.class);
  private final CoordinatorOptions options;
  private final FoldStats stats;
  private final CommitPacing pacing;
  private ProcessorContext<Object, Object> ctx;
  private FoldDecider decider;
  private EventApplier applier;
  private StagedCoordinatorState staged;
  /** Whether the last decider call threw: its dead letter is then a bug of Weft's, not bad input. */
  private boolean decisionFailed;
  /** Null when Kafka Streams' interval makes every commit ({@link CommitPacing#OFF}). */
  private CommitPacer pacer;
  /** The tick of a commit that waits for its interval ({@link #scheduleCommitTick()}); null when none waits. */
  private Cancellable commitTick;

  FoldProcessor(CoordinatorOptions options, FoldStats stats, CommitPacing pacing) {
    this.options = options;
    this.stats = stats;
    this.pacing = pacing;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.ctx = context;
    KeyValueStore<String, RunState> runs = context.getStateStore(CoordinatorTopology.RUNS_STORE);
    KeyValueStore<String, TaskState> tasks = context.getStateStore(CoordinatorTopology.TASKS_STORE);
    KeyValueStore<String, TimerEntry> timerStore = context.getStateStore(CoordinatorTopology.TIMERS_STORE);
    KeyValueStore<String, RunIndexEntry> runIndex = context.getStateStore(CoordinatorTopology.RUN_INDEX_STORE);
    KeyValueStore<String, RunSpec> runSpecs = context.getStateStore(CoordinatorTopology.RUN_SPECS_STORE);
    KeyValueStore<String, BackfillState> backfills = context.getStateStore(CoordinatorTopology.BACKFILLS_STORE);
    KeyValueStore<String, ScheduleState> schedules = context.getStateStore(CoordinatorTopology.SCHEDULES_STORE);
    KeyValueStore<String, Integer> dependenciesMet = context.getStateStore(CoordinatorTopology.DEPENDENCIES_MET_STORE);
    this.staged = new StagedCoordinatorState(new KeyValueCoordinatorState(runs, tasks, timerStore, runIndex,
        runSpecs, backfills, schedules, dependenciesMet));
    this.applier = new EventApplier(staged);
    this.decider = options.deciders().create(staged, options.deciderSettings());
    context.schedule(Duration.ofMillis(options.timerTickMs()), PunctuationType.WALL_CLOCK_TIME, this::fireTimers);
    if (pacing.paced()) this.pacer = new CommitPacer(pacing.spacingMs(), pacing.clock(), context::commit);
  }

  @Override
  public void process(Record<String, Input> record) {
    stats.processed.incrementAndGet();
    if (pacer != null) pacer.inputTaken(System.currentTimeMillis() - record.timestamp());
    // Input the coordinator a replay replaces already folded and published: decide again, publish nothing.
    boolean publishing = ctx.recordMetadata()
        .map(m -> !options.catchUp().isBelow(m.topic(), m.partition(), m.offset())).orElse(true);
    Input input = record.value();
    Decision decision = decide(d -> decider.decide(input.value(), d), publishing, "deciding on "
        + input.value().getClass().getSimpleName() + " for run " + record.key());
    forward(decision, record, publishing);
    if (publishing) stats.metrics.decided(decision, record.timestamp(), ctx.currentSystemTimeMs(), staged);
  }

  private void fireTimers(long now) {
    if (!options.catchUp().done()) return;
    if (pacer != null) pacer.timersFiring();
    int[] fired = new int[1];
    Decision decision = decide(d -> fired[0] = decider.fireTimers(now, options.maxTimersPerTick(), d), true,
        "firing timers due by " + now);
    stats.timersFired.addAndGet(fired[0]);
    forward(decision, null, true);
    stats.metrics.decided(decision, 0, now, staged);
  }

  /**
   * Runs one decider call against the staged view and commits its changes when it returns.
   *
   * @return the decision; when the decider threw, one with no events and only a dead-letter output
   * @throws KafkaException the runtime's own failures (fencing, store), which must reach Streams so that it
   *     restarts the task cleanly; the staged changes are discarded first
   */
  private Decision decide(Consumer<Decisions> decide, boolean publishing, String what) {
    decisionFailed = false;
    DecisionBuilder d = new DecisionBuilder(applier::apply, publishing);
    try {
      decide.accept(d);
    } catch (KafkaException e) {
      staged.discard();
      throw e;
    } catch (RuntimeException e) {
      staged.discard();
      decisionFailed = true;
      // A bug must not stop every other run: say so loudly, keep nothing of the decision, dead-letter the input.
      LOG.error("internal error {}; nothing of the decision is kept and the input goes to dead-letter", what, e);
      return new Decision(List.of(), List.of(new Decision.DeadLetter("internal error in the coordinator " + what
          + ": " + e + "; nothing of its decision was kept. This is a bug in Weft: report it with this record")));
    }
    staged.commit();
    return d.build();
  }

  /**
   * Sends a decision's outputs (unless a replay is catching up, when it only counts them), and has them committed
   * within the commit interval when someone waits for them.
   */
  private void forward(Decision decision, Record<String, Input> input, boolean publishing) {
    send(decision, input, publishing);
    if (pacer == null) return;
    pacer.sent(publishing && decision.awaited());
    scheduleCommitTick();
  }

  /** A wall-clock tick while awaited outputs wait for the commit interval to pass, and none otherwise. */
  private void scheduleCommitTick() {
    long waitMs = pacer.waitMs();
    if (waitMs < 0) {
      if (commitTick != null) commitTick.cancel();
      commitTick = null;
    } else if (commitTick == null) {
      commitTick = ctx.schedule(Duration.ofMillis(waitMs), PunctuationType.WALL_CLOCK_TIME, now -> {
        pacer.tick();
        scheduleCommitTick();
      });
    }
  }

  private void send(Decision decision, Record<String, Input> input, boolean publishing) {
    for (CoordinatorEvent e : decision.events()) {
      if (e instanceof CoordinatorEvent.RunExpired) stats.runsExpired.incrementAndGet();
    }
    long ts = input == null ? ctx.currentSystemTimeMs() : input.timestamp();
    for (Decision.Output o : decision.outputs()) {
      if (o instanceof Decision.SendCommand c) {
        if (!publishing) {
          stats.suppressedCommands.incrementAndGet();
          continue;
        }
        stats.commands.incrementAndGet();
        ctx.forward(new Record<>(Topics.commandKey(c.command().getRunId(), c.command().getTaskId()), c.command(), ts),
            CoordinatorTopology.COMMANDS_SINK);
      } else if (o instanceof Decision.PublishRunEvent e) {
        if (publishing) {
          ctx.forward(new Record<>(e.event().getRunId(), e.event(), ts), CoordinatorTopology.RUN_EVENTS_SINK);
        }
      } else if (o instanceof Decision.WriteBackTaskEvent e) {
        if (publishing) {
          ctx.forward(new Record<>(e.event().getRunId(), e.event(), ts), CoordinatorTopology.TASK_EVENTS_SINK);
        }
      } else if (o instanceof Decision.SendRequest r) {
        if (publishing) {
          ctx.forward(new Record<>(r.request().getRunId(), r.request(), ts), CoordinatorTopology.REQUESTS_SINK);
        }
      } else if (o instanceof Decision.DeadLetter dl) {
        if (input == null || !publishing) continue;
        stats.deadLettered.incrementAndGet();
        stats.metrics.deadLettered(decisionFailed ? DeadLetterReason.INTERNAL_ERROR
            : input.value().value() instanceof RunRequest ? DeadLetterReason.INVALID_REQUEST
            : DeadLetterReason.UNKNOWN_TARGET);
        byte[] key = input.key() == null ? null : input.key().getBytes(StandardCharsets.UTF_8);
        ctx.forward(DeadLetters.record(ctx, key, input.value().raw(), dl.reason(), input.timestamp()),
            CoordinatorTopology.DEAD_LETTER_SINK);
      } else if (o instanceof Decision.Ignore i) {
        stats.ignored.computeIfAbsent(i.reason().replaceAll("\\d+", "N"), k -> new AtomicLong()).incrementAndGet();
        // A warning, not an error: duplicates and late events are normal in a distributed system, but worth seeing.
        // Except the coordinator's own timer events that no longer apply (a heartbeat folded since the timer was
        // due): a fold running behind its input writes one per attempt in flight, 88,000 warnings in one run.
        if (isOwnTimerEvent(input)) LOG.debug("ignored input for run {}: {}", input.key(), i.reason());
        else LOG.warn("ignored input for run {}: {}", input == null ? "?" : input.key(), i.reason());
      }
    }
  }

  private static boolean isOwnTimerEvent(Record<String, Input> input) {
    return input != null && input.value().value() instanceof TaskEvent e && TimerDecider.SOURCE.equals(e.getSource());
  }
}
