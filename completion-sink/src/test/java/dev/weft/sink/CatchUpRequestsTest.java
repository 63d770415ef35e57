package dev.weft.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** A request to catch up is answered once the positions reach the ends taken after it, and not before. */
class CatchUpRequestsTest {
  private static final TopicPartition P0 = new TopicPartition("run-events", 0);
  private static final TopicPartition P1 = new TopicPartition("run-events", 1);

  private final CatchUpRequests requests = new CatchUpRequests();
  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());

  @Test
  void shouldAnswerOnlyOnceEveryPartitionReachedItsEndTakenAfterTheRequest() throws Exception {
    consumer.assign(List.of(P0, P1));
    consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    consumer.updateEndOffsets(Map.of(P0, 5L, P1, 3L));
    consumer.seek(P0, 5);
    consumer.seek(P1, 1);

    CompletableFuture<Boolean> answer = ask(30_000);
    awaitAsked();
    requests.answerIfCaughtUp(consumer);
    assertThat(answer).as("partition 1 is at 1 of 3").isNotDone();

    consumer.seek(P1, 3);
    requests.answerIfCaughtUp(consumer);
    assertThat(answer.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void shouldNotAnswerARequestWithEndsTakenForAnEarlierOne() throws Exception {
    consumer.assign(List.of(P0));
    consumer.updateBeginningOffsets(Map.of(P0, 0L));
    consumer.updateEndOffsets(Map.of(P0, 2L));
    consumer.seek(P0, 2);
    CompletableFuture<Boolean> first = ask(30_000);
    awaitAsked();
    requests.answerIfCaughtUp(consumer);
    assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();

    // More was written; a new request must wait for it.
    consumer.updateEndOffsets(Map.of(P0, 4L));
    CompletableFuture<Boolean> second = ask(30_000);
    awaitAsked();
    requests.answerIfCaughtUp(consumer);
    assertThat(second).isNotDone();
    consumer.seek(P0, 4);
    requests.answerIfCaughtUp(consumer);
    assertThat(second.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void shouldLeaveARequestWaitingWhenTheBrokerDoesNotGiveTheEnds() throws Exception {
    MockConsumer<byte[], byte[]> silent = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name()) {
      @Override
      public synchronized Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        throw new TimeoutException("no answer within default.api.timeout.ms");
      }
    };
    silent.assign(List.of(P0));

    CompletableFuture<Boolean> answer = ask(30_000);
    awaitAsked();
    requests.answerIfCaughtUp(silent);
    assertThat(answer).as("not answered, and the sink's thread went on").isNotDone();
  }

  @Test
  void shouldGiveUpAtTheDeadlineOrWhenTheSinkStopped() throws Exception {
    assertThat(requests.askAndAwait(System.nanoTime() + 50_000_000L, () -> true)).isFalse();
    assertThat(requests.askAndAwait(System.nanoTime() + 30_000_000_000L, () -> false)).isFalse();
  }

  private CompletableFuture<Boolean> ask(long timeoutMs) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return requests.askAndAwait(System.nanoTime() + timeoutMs * 1_000_000L, () -> true);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** The request is made on another thread: wait until it is (the monitor's wait has begun). */
  private void awaitAsked() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!requests.pending()) {
      if (System.nanoTime() > deadline) throw new AssertionError("the request was not made within 10 s");
      Thread.sleep(1);
    }
  }
}
