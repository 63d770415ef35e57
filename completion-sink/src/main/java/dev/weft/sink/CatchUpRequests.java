package dev.weft.sink;

import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests to catch up ({@link CompletionSink#awaitCaughtUp}) and their answers. A requester asks and waits; the
 * sink's thread, after each batch it wrote and committed, takes the end of each partition it holds once per request
 * (the last stable offset: the sink reads committed records only) and answers once its positions reached them. What
 * was on run-events when the request was made is then written.
 *
 * <p>Before 2026-12-02 the sink answered after an empty poll whose last fetch showed no lag, which could predate the
 * request. Taking the ends costs a request on the sink's connection, which the broker answers only after the fetch
 * parked there (up to {@code fetch.max.wait.ms}, 500 ms): a caller that waits for one run waits for {@link EndedRuns}
 * instead.
 */
final class CatchUpRequests {
  private static final long NONE = Long.MIN_VALUE;
  private static final Logger LOG = LoggerFactory.getLogger(CatchUpRequests.class);

  private final Object monitor = new Object();
  /** The newest request (its nanoTime), and the newest answered; guarded by {@link #monitor}. */
  private long asked = NONE;
  private long answered = NONE;
  /** The sink thread's own: the ends taken for request {@link #targetsFor}. */
  private long targetsFor = NONE;
  private Map<TopicPartition, Long> targets;

  /**
   * Asks, and waits until the sink has written everything on its partitions up to a moment after the asking.
   *
   * @return false when that did not happen before {@code deadline} (nanoTime), or the sink stopped
   */
  boolean askAndAwait(long deadline, BooleanSupplier sinkRunning) throws InterruptedException {
    long request = System.nanoTime();
    synchronized (monitor) {
      asked = request;
      while (answered == NONE || answered - request < 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !sinkRunning.getAsBoolean()) return false;
        // Bounded, so that a sink thread that died without answering is noticed.
        monitor.wait(Math.max(1, Math.min(left / 1_000_000, 100)));
      }
      return true;
    }
  }

  /** Whether a request waits for an answer; for tests. */
  boolean pending() {
    synchronized (monitor) {
      return asked != NONE && (answered == NONE || answered - asked < 0);
    }
  }

  /** The sink's thread, after a batch was written and its offsets committed (none failed). */
  void answerIfCaughtUp(Consumer<?, ?> consumer) {
    long request;
    synchronized (monitor) {
      request = asked;
      if (request == NONE || (answered != NONE && answered - request >= 0)) return;
    }
    Set<TopicPartition> assigned = consumer.assignment();
    if (assigned.isEmpty()) return;
    try {
      if (targets == null || targetsFor != request || !targets.keySet().equals(assigned)) {
        targets = consumer.endOffsets(assigned);
        targetsFor = request;
      }
      for (Map.Entry<TopicPartition, Long> t : targets.entrySet()) {
        if (consumer.position(t.getKey()) < t.getValue()) return;
      }
    } catch (WakeupException e) {
      throw e;
    } catch (KafkaException e) {
      // The broker did not answer in time: the sink writes on, and the request is answered after a later batch.
      LOG.debug("a request to catch up waits: {}", e.toString());
      return;
    }
    targets = null;
    synchronized (monitor) {
      answered = request;
      monitor.notifyAll();
    }
  }
}
