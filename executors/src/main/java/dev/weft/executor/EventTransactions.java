package dev.weft.executor;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor's transactional producer: one transaction holds a poll's events and dead-letter copies, the events
 * due from earlier work, and the poll's command offsets. It says how a transaction ended ({@link Result}) and leaves
 * the consumer to the loop; only the loop thread calls it.
 *
 * <p>Kafka's contract for a producer that cannot go on (an error state, a commit whose outcome is unknown) is a new
 * producer under the same transactional id; this class does that itself ({@link #renew}). Errors after which the
 * instance cannot go on at all (unauthorised, a broken sequence) are thrown as {@link Fatal}.
 */
final class EventTransactions {
  private static final int COMMIT_TIMEOUT_RETRIES = 3;
  private static final Logger log = LoggerFactory.getLogger(EventTransactions.class);

  /** How a transaction ended, and so where the loop reads on from. */
  enum Result {
    /** Committed: read on. */
    COMMITTED,
    /** Fenced, or committed or not (unknown): read on from the group's committed offsets, which say which. */
    READ_FROM_COMMITTED,
    /** Aborted: read the poll's records again. */
    READ_AGAIN
  }

  private final ExecutorConfig config;
  private final String transactionalId;
  private final ExecutorMetrics metrics;
  private final ExecutorCounters counters;
  /** Whether the runtime still runs: a new producer is retried only then. */
  private final BooleanSupplier running;
  private KafkaProducer<byte[], byte[]> producer;

  EventTransactions(ExecutorConfig config, String transactionalId, ExecutorMetrics metrics, ExecutorCounters counters,
      BooleanSupplier running) {
    this.config = config;
    this.transactionalId = transactionalId;
    this.metrics = metrics;
    this.counters = counters;
    this.running = running;
  }

  /** Creates the producer and initialises transactions, which fences a previous incarnation with the same id. */
  void open() {
    producer = newProducer();
    producer.initTransactions();
    metrics.bindProducer(producer);
  }

  /**
   * Sends {@code records} in order and commits {@code offsets} in one transaction.
   *
   * @param group the consumer's group metadata; asked only when there are offsets to commit
   * @return how the transaction ended
   * @throws Fatal when this instance cannot go on
   */
  Result commit(List<Outgoing> records, Map<TopicPartition, OffsetAndMetadata> offsets,
      Supplier<ConsumerGroupMetadata> group) {
    boolean begun = false;
    try {
      // Serialise first: a schema registry that is down fails here, before a transaction is open.
      List<ProducerRecord<byte[], byte[]>> serialised = new ArrayList<>(records.size());
      for (Outgoing o : records) serialised.add(toRecord(o));
      producer.beginTransaction();
      begun = true;
      for (ProducerRecord<byte[], byte[]> rec : serialised) producer.send(rec);
      if (!offsets.isEmpty()) producer.sendOffsetsToTransaction(offsets, group.get());
      commitTransaction();
    } catch (OutOfOrderSequenceException | AuthorizationException | UnsupportedVersionException e) {
      throw new Fatal(e);
    } catch (Fatal e) {
      throw e;
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      // A newer epoch of our transactional id: the broker aborted our transaction because it outlived its timeout
      // (a broker hang of a minute does that), or another process runs under our instance id. Kafka Streams takes
      // both as "the task migrated": a new producer, and read on from what the group committed. A process that
      // really is a zombie is told so by the group next (its consumer is fenced, which stops the runtime).
      renew(e);
      counters.abortedTransactions.incrementAndGet();
      return Result.READ_FROM_COMMITTED;
    } catch (UnknownOutcome e) {
      // The commit may or may not have happened: only the group's committed offsets can say which.
      renew(e.getCause());
      counters.abortedTransactions.incrementAndGet();
      return Result.READ_FROM_COMMITTED;
    } catch (RuntimeException e) {
      log.warn("executor {}: transaction failed, its {} commands will be read again: {}", transactionalId,
          offsets.size(), e.toString());
      if (begun) {
        try {
          producer.abortTransaction();
        } catch (RuntimeException abort) {
          // The producer is in an error state (the broker timed the transaction out during a long outage, say):
          // abortTransaction cannot leave it. A new producer under the same id resolves the old transaction.
          renew(abort);
        }
      }
      counters.abortedTransactions.incrementAndGet();
      return Result.READ_AGAIN;
    }
    long events = records.stream().filter(Outgoing::isEvent).count();
    counters.events.addAndGet(events);
    counters.deadLettered.addAndGet(records.size() - events);
    counters.transactions.incrementAndGet();
    return Result.COMMITTED;
  }

  /** Closes the producer, waiting at most {@code timeout} for what it still sends. */
  void close(Duration timeout) {
    if (producer == null) return;
    try {
      producer.close(timeout);
    } catch (RuntimeException e) {
      log.warn("executor {}: closing the producer: {}", transactionalId, e.toString());
    }
  }

  /** As a killed JVM would: nothing more is sent, an open transaction is left to time out or be fenced. */
  void abandon() {
    if (producer == null) return;
    try {
      producer.close(Duration.ZERO);
    } catch (RuntimeException e) {
      log.debug("closing the producer of a halted executor", e);
    }
  }

  private void commitTransaction() {
    for (int i = 1; ; i++) {
      try {
        producer.commitTransaction();
        return;
      } catch (TimeoutException e) {
        // The outcome is unknown; Kafka's contract is to retry the commit, never to abort after a timeout.
        if (i >= COMMIT_TIMEOUT_RETRIES) throw new UnknownOutcome(e);
        log.warn("executor {}: commit timed out, retrying ({}/{})", transactionalId, i, COMMIT_TIMEOUT_RETRIES);
      }
    }
  }

  /**
   * Replaces a producer that cannot go on with a new one under the same transactional id. Its
   * {@code initTransactions} completes or aborts whatever the old one left open, and fences nothing but the old one.
   * Ending the executor instead lost every attempt it ran (a broker paused for 50 s did that in 4 of 7 trials).
   */
  private void renew(Throwable cause) {
    log.warn("executor {}: the producer cannot go on ({}); starting a new one under the same transactional id",
        transactionalId, cause.toString());
    try {
      producer.close(Duration.ZERO);
    } catch (RuntimeException e) {
      log.debug("executor {}: closing the old producer: {}", transactionalId, e.toString());
    }
    producer = newProducer();
    for (int i = 1; ; i++) {
      try {
        producer.initTransactions();
        metrics.bindProducer(producer);
        counters.producersRenewed.incrementAndGet();
        return;
      } catch (TimeoutException e) {
        // The broker is still away: initTransactions may be called again after a timeout.
        if (!running.getAsBoolean()) throw new Fatal(e);
        log.warn("executor {}: initialising the new producer timed out ({}), trying again", transactionalId, i);
      }
    }
  }

  private KafkaProducer<byte[], byte[]> newProducer() {
    return new KafkaProducer<>(ClientProperties.producer(config, transactionalId), new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private ProducerRecord<byte[], byte[]> toRecord(Outgoing o) {
    if (!o.isEvent()) return new ProducerRecord<>(o.topic(), null, o.key(), o.value(), o.headers());
    String topic = config.topics().taskEvents();
    byte[] value = config.eventSerde().serializer().serialize(topic, o.event());
    return new ProducerRecord<>(topic, o.event().getRunId().getBytes(StandardCharsets.UTF_8), value);
  }

  /** An error after which this instance cannot go on (unauthorised, a broken sequence): the loop stops. */
  static final class Fatal extends RuntimeException {
    Fatal(Throwable cause) {
      super(cause);
    }
  }

  /** A commit that timed out again and again: it may have happened or not. */
  private static final class UnknownOutcome extends RuntimeException {
    UnknownOutcome(Throwable cause) {
      super(cause);
    }
  }
}
