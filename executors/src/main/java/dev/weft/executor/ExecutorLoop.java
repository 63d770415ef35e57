package dev.weft.executor;

import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.ExecutorBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop: the one thread that owns the consumer and, through {@link EventTransactions}, the producer. Each
 * {@link #iterate() iteration} polls, applies what backends reported ({@link SignalApplier}), stops attempts past
 * their timeout, queues due heartbeats, asks the {@link CommandHandler} for the poll's {@link CommandPlan}, commits
 * the plan's records, the outbox and the poll's offsets in ONE transaction, and only then launches the plan's
 * attempts ({@link AttemptLauncher}). A RUN read again after a crash or a rebalance is therefore either before the
 * committed offset (never started: no STARTED in the log, safe to start) or past it (started, not read again).
 *
 * <p>A side-effect-free backend (noop) is the exception: its attempts are launched before the transaction, so STARTED
 * and an instant outcome share it; if it aborts, that launch and what it queued are dropped and the commands are
 * read again.
 *
 * <p>The poll timeout is short (50 ms), and a loop with events to send polls without waiting, so events go out
 * promptly whether or not commands arrive. An outcome does not wait for the poll to time out: its signal ends the
 * poll ({@link #wakeForSignal()}), since the coordinator's next decision waits for it (a chain of short tasks lost
 * 25 ms a task on average before 2026-12-02). When every slot is taken or the schema registry does not answer, the
 * loop pauses its partitions but keeps polling, so the group membership stays alive.
 */
final class ExecutorLoop {
  private static final Duration RETRY_BACKOFF = Duration.ofMillis(500);
  private static final Duration CONSUMER_CLOSE_TIMEOUT = Duration.ofSeconds(2);
  private static final Logger log = LoggerFactory.getLogger(ExecutorLoop.class);

  private final ExecutorConfig config;
  private final ExecutorBackend backend;
  private final CommandHandler handler;
  private final RunningAttempts attempts;
  private final AttemptLeases<Attempt> leases;
  private final Outbox outbox;
  private final AttemptEvents events;
  private final Signals signals;
  private final SignalApplier applier;
  private final AttemptLauncher launcher;
  private final AttemptStopper stopper;
  private final EventTransactions transactions;
  private final ExecutorMetrics metrics;
  private final ExecutorCounters counters;
  private final Assignment assignment;
  private final BooleanSupplier halted;
  private final String name;
  private KafkaConsumer<byte[], byte[]> consumer;
  /** Until when no command is decoded, after the schema registry did not answer; 0 when it did. */
  private long registryRetryAt;
  /** Guards {@link #waitingInPoll}, so that a signal's wake-up reaches a poll that waits, not a later call. */
  private final Object pollWait = new Object();
  /** The loop is in (or about to enter) a poll that waits; the first awaited signal ends it and clears this. */
  private boolean waitingInPoll;
  /** Records read but not handled yet, handled before the next poll's. */
  private final HeldCommands held = new HeldCommands();

  ExecutorLoop(ExecutorConfig config, ExecutorBackend backend, CommandHandler handler, RunningAttempts attempts,
      AttemptLeases<Attempt> leases, Outbox outbox, AttemptEvents events, Signals signals, SignalApplier applier, AttemptLauncher launcher,
      AttemptStopper stopper, EventTransactions transactions, ExecutorMetrics metrics, ExecutorCounters counters,
      Assignment assignment, BooleanSupplier halted, String name) {
    this.config = config;
    this.backend = backend;
    this.handler = handler;
    this.attempts = attempts;
    this.leases = leases;
    this.outbox = outbox;
    this.events = events;
    this.signals = signals;
    this.applier = applier;
    this.launcher = launcher;
    this.stopper = stopper;
    this.transactions = transactions;
    this.metrics = metrics;
    this.counters = counters;
    this.assignment = assignment;
    this.halted = halted;
    this.name = name;
    signals.wakeWith(this::wakeForSignal);
    assignment.whenRevoked(held::drop);
  }

  /** Creates the consumer and joins the group on {@code topic}. */
  void subscribe(String groupId, String topic) {
    consumer = new KafkaConsumer<>(ClientProperties.consumer(config, groupId, name), new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    metrics.bindConsumer(consumer);
    consumer.subscribe(List.of(topic), assignment);
  }

  /** From any thread: ends a poll that waits, for a halt. */
  void wakeup() {
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) c.wakeup();
  }

  /**
   * From a backend's or launch thread, after it queued an awaited signal: ends the loop's poll if it waits. A wake-up
   * that comes after the poll returned stays pending in the consumer until its next blocking call, which then throws
   * {@link WakeupException}: the next poll (one empty iteration) or {@link #seekToCommitted}, which asks again.
   */
  private void wakeForSignal() {
    synchronized (pollWait) {
      if (!waitingInPoll) return;
      waitingInPoll = false;
      KafkaConsumer<byte[], byte[]> c = consumer;
      if (c != null) c.wakeup();
    }
  }

  void iterate() {
    ConsumerRecords<byte[], byte[]> records;
    // Marked before the queue is looked at: a signal queued after the look wakes the poll, one queued before is seen.
    synchronized (pollWait) {
      waitingInPoll = true;
    }
    try {
      records = consumer.poll(outbox.isEmpty() && signals.isEmpty() ? config.pollTimeout() : Duration.ZERO);
    } catch (WakeupException e) {
      return;
    } finally {
      synchronized (pollWait) {
        waitingInPoll = false;
      }
    }
    if (halted.getAsBoolean()) return;
    long now = System.currentTimeMillis();
    applier.drain(now);
    stopTimedOut(now);
    queueHeartbeats(now);
    List<ConsumerRecord<byte[], byte[]>> read =
        held.toHandle(records, attempts.size() < config.maxConcurrent() && now >= registryRetryAt);
    CommandPlan plan = handler.handle(read, attempts, registryRetryAt, now);
    held.holdUnhandled(read, plan.readAgainFrom());
    Map<TopicPartition, OffsetAndMetadata> offsets = actOnHandled(plan);
    boolean launchFirst = backend.sideEffectFree();
    if (launchFirst) {
      launcher.launchInline(plan.launches());
      applier.drain(System.currentTimeMillis());
    }
    if (!outbox.isEmpty() || !plan.isEmpty()) {
      if (!commit(plan.records(), offsets, plan.seen(), plan.firstOffsets(), launchFirst)) {
        if (launchFirst) forget(plan.launches().stream().map(CommandPlan.Launch::id).collect(Collectors.toSet()));
        sleepQuietly(RETRY_BACKOFF);
        return;
      }
    }
    if (halted.getAsBoolean()) return;
    if (!launchFirst) launcher.launchAsync(plan.launches());
    applier.drain(System.currentTimeMillis());
    updatePause();
  }

  /**
   * What the plan asks for at once, before its transaction: counters, stops of running attempts. Stops do not wait
   * for the commit: a CANCEL read again after an abort finds the attempt already stopping.
   *
   * @return the offsets to commit with the plan
   */
  private Map<TopicPartition, OffsetAndMetadata> actOnHandled(CommandPlan plan) {
    CommandPlan.Tally t = plan.tally();
    counters.commands.addAndGet(t.commands());
    counters.duplicates.addAndGet(t.duplicates());
    counters.skipped.addAndGet(t.skipped());
    counters.invalidSpecs.addAndGet(t.invalidSpecs());
    counters.cancels.addAndGet(t.cancels());
    counters.unknownCancels.addAndGet(t.unknownCancels());
    counters.registryWaits.addAndGet(t.registryWaits());
    for (Outgoing o : plan.records()) if (!o.isEvent()) metrics.deadLettered(o.category());
    registryRetryAt = plan.registryRetryAt();
    for (CommandPlan.Stop s : plan.cancels()) {
      Attempt a = attempts.get(s.id());
      if (a == null || a.cancelReason != null || a.timedOut) continue;
      a.cancelReason = s.reason();
      // Still launching: it is stopped as soon as its launch returns (SignalApplier).
      if (a.running != null) stopper.stop(a, s.reason());
    }
    for (CommandPlan.Stop s : plan.unwatchedStops()) stopper.stopUnwatched(s.id(), s.reason());
    // A partition read to the end of this poll commits the consumer's position rather than the last offset + 1: the
    // position is past the transaction markers the coordinator's commits leave after each batch of commands, so that
    // a group that has done everything shows no lag (weft_executor_backlog_records 0) instead of one per partition.
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    plan.commitUpTo().forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(
        plan.readAgainFrom().containsKey(tp) ? next : consumer.position(tp))));
    return offsets;
  }

  private void stopTimedOut(long now) {
    for (Attempt a : attempts.markTimedOut(now)) {
      counters.timeouts.incrementAndGet();
      log.info("executor {}: attempt {} timed out after {}; cancelling", name, a.id, a.timeoutText());
      stopper.stop(a, "timed out after " + a.timeoutText());
    }
  }

  private void queueHeartbeats(long now) {
    for (Attempt a : attempts.heartbeatsDue(now)) outbox.add(events.heartbeat(a.id, now, a.running));
  }

  /**
   * Sends the poll's records and the outbox, and commits the poll's offsets, in one transaction.
   *
   * @param pollFirst send the poll's records before the outbox: when attempts were launched before this commit, the
   *     outbox holds their outcomes, which must follow their STARTED in the log
   * @return whether it committed; when not, the poll's records are read again (or read on from the committed offsets)
   */
  private boolean commit(List<Outgoing> poll, Map<TopicPartition, OffsetAndMetadata> offsets, Set<AttemptId> seen,
      Map<TopicPartition, Long> firstOffsets, boolean pollFirst) {
    List<Outgoing> records = new ArrayList<>(outbox.size() + poll.size());
    records.addAll(pollFirst ? poll : outbox.items());
    records.addAll(pollFirst ? outbox.items() : poll);
    switch (transactions.commit(records, offsets, consumer == null ? null : consumer::groupMetadata)) {
      case COMMITTED -> {
        // Every event of an attempt that committed moves its lease to the event's stamp (see AttemptLeases).
        for (Outgoing o : records) if (o.isEvent()) leases.renewed(o.attemptId(), o.event().getAtMs());
        outbox.clear();
        attempts.rememberSeen(seen);
        return true;
      }
      case READ_FROM_COMMITTED -> {
        readHeldAgain();
        seekToCommitted(firstOffsets);
      }
      case READ_AGAIN -> {
        readHeldAgain();
        rewind(firstOffsets);
      }
    }
    return false;
  }

  /**
   * Sends what the outbox holds, without offsets, trying a few times: on shutdown, after the consumer left the group.
   *
   * @return whether it was sent
   */
  boolean flushOutbox() {
    for (int i = 0; i < 3 && !outbox.isEmpty(); i++) {
      try {
        if (commit(List.of(), Map.of(), Set.of(), Map.of(), false)) return true;
      } catch (EventTransactions.Fatal e) {
        break;
      }
    }
    return outbox.isEmpty();
  }

  /**
   * Attempts of a side-effect-free backend launched for a poll whose transaction aborted: the poll is read again and
   * launches them anew, so this launch and whatever it queued are dropped.
   */
  private void forget(Set<AttemptId> launched) {
    attempts.removeAll(launched);
    launched.forEach(leases::release);
    outbox.forget(launched);
  }

  /**
   * After a commit of unknown outcome: reads on from each partition's committed offset, which says whether the poll
   * committed (its RUNs are then past it and are not started again; their attempts have a STARTED and no work, and
   * are presumed lost and retried by the coordinator) or not (they are read and started again).
   */
  private void seekToCommitted(Map<TopicPartition, Long> firstOffsets) {
    if (consumer == null) return;
    Set<TopicPartition> assigned = consumer.assignment();
    Map<TopicPartition, OffsetAndMetadata> committed;
    try {
      committed = consumer.committed(assigned);
    } catch (WakeupException e) {
      // A signal's wake-up that came after the last poll returned (or a halt, which the caller checks next).
      committed = consumer.committed(assigned);
    }
    for (TopicPartition tp : assigned) {
      OffsetAndMetadata o = committed.get(tp);
      if (o != null) consumer.seek(tp, o.offset());
      else if (firstOffsets.containsKey(tp)) consumer.seek(tp, firstOffsets.get(tp));
    }
  }

  /**
   * After a transaction that failed: what was held is read again, from the first held record of each partition (the
   * seeks of the poll's own records, made after this, go further back where they must).
   */
  private void readHeldAgain() {
    if (consumer != null && !held.isEmpty()) {
      Set<TopicPartition> assigned = consumer.assignment();
      held.firstOffsets().forEach((tp, offset) -> {
        if (assigned.contains(tp)) consumer.seek(tp, offset);
      });
    }
    held.clear();
  }

  private void rewind(Map<TopicPartition, Long> firstOffsets) {
    if (consumer == null) return;
    Set<TopicPartition> assigned = consumer.assignment();
    firstOffsets.forEach((tp, offset) -> {
      if (assigned.contains(tp)) consumer.seek(tp, offset);
    });
  }

  /**
   * Pauses the partitions while nothing more read could be handled: every slot taken and a RUN already held for the
   * next one, or the registry not answering. With every slot taken and nothing held, the loop reads on until it
   * holds what it will start next, so that the outcome that frees a slot commits with that RUN's STARTED.
   */
  private void updatePause() {
    Set<TopicPartition> assigned = consumer.assignment();
    if ((attempts.size() >= config.maxConcurrent() && !held.isEmpty())
        || System.currentTimeMillis() < registryRetryAt) {
      if (!consumer.paused().containsAll(assigned)) consumer.pause(assigned);
    } else if (!consumer.paused().isEmpty()) {
      consumer.resume(consumer.paused());
    }
  }

  /** Leaves the group, so the partitions move to another instance while running attempts are wound down. */
  void leaveGroup() {
    try {
      consumer.close(CloseOptions.timeout(CONSUMER_CLOSE_TIMEOUT));
    } catch (RuntimeException e) {
      log.warn("executor {}: closing the consumer: {}", name, e.toString());
    }
    consumer = null;
  }

  /** As a killed JVM would: stays in the group, commits nothing. */
  void abandon() {
    if (consumer == null) return;
    try {
      consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP)
          .withTimeout(Duration.ZERO));
    } catch (RuntimeException e) {
      log.debug("closing the consumer of a halted executor", e);
    }
  }

  private static void sleepQuietly(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
